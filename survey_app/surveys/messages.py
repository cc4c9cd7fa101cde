"""Validation messages as codes with parameters, translated where they are shown.

``surveys/validation.py`` says what is wrong with an answer as ``{"code", "params"}``
(ODK Central's way: ``lib/util/problem.js``), never as a sentence. That is what a
quarantined record stores, so the review queue and the record page can show it in the
coordinator's language (Flask-Babel ``gettext`` with named parameters), and the sync API
still answers with the English sentence it always did (:func:`english`).

A form author's own ``constraint_message`` or ``required_message`` is form content, not
interface text: it travels in the message as ``text`` (every language the form has, with
``default_language`` to fall back on) and is shown in the form language the page is in.

Messages stored before codes existed are plain English strings; they are shown as stored
(migration ``m0020_message_codes`` turned the ones with a known shape into codes).
"""

from __future__ import annotations

from typing import Any

from ..languages.texts import translate as text_in

Message = dict[str, Any]


def N_(text: str) -> str:
    """Mark a text for extraction (pybabel's default keywords include ``N_``)."""
    return text


# code -> the English sentence, with %(name)s for each parameter. A code never changes
# meaning once stored; a new wording keeps its code, a new meaning gets a new one.
TEMPLATES: dict[str, str] = {
    "file_name": N_("Must be a file name (letters, digits, '.', '_', '-')."),
    "text": N_("Must be text."),
    "max_length": N_("At most %(n)s characters."),
    "min_length": N_("At least %(n)s characters."),
    "too_large": N_("Too large a number (at most %(n)s either way)."),
    "integer": N_("Must be a whole number."),
    "number": N_("Must be a number."),
    "between": N_("Must be between %(low)s and %(high)s."),
    "step": N_("Must be in steps of %(step)s."),
    "min": N_("Must be at least %(n)s."),
    "max": N_("Must be at most %(n)s."),
    "choice": N_("Not one of the choices."),
    "choice_list": N_("Must be a list of choices."),
    "not_choices": N_("Not among the choices: %(choices)s."),
    "choice_repeated": N_("A choice is repeated."),
    "date": N_("Must be a date (YYYY-MM-DD)."),
    "time": N_("Must be a time (HH:MM)."),
    "datetime": N_("Must be a date and time (ISO 8601)."),
    "ok": N_('Must be "OK".'),
    "single_value": N_("Must be a single value."),
    "note": N_("A note takes no answer."),
    "location": N_('Must be a location {"lat", "lon"}.'),
    "location_fields": N_("Unexpected location fields: %(fields)s."),
    "location_numbers": N_("Location values must be numbers."),
    "location_range": N_("Latitude or longitude out of range."),
    "points": N_("Must be a list of at least %(n)s locations."),
    "object": N_("Answers must be an object."),
    "unknown_question": N_("Not a question of this survey version."),
    "not_relevant": N_(
        "Answered, but this question does not apply (its condition %(condition)s is false)."
        " The answer is kept for review."
    ),
    "required": N_("This answer is required."),
    "other_not_chosen": N_("Answered, but 'other' was not chosen."),
    "constraint": N_("Does not meet the condition %(condition)s."),
    "entries": N_("Must be a list of entries."),
    "filtered": N_("Not among the choices offered here (%(choices)s is filtered out by %(filter)s)."),
    "calculation": N_("Sent %(sent)s, but %(calculation)s gives %(expected)s."),
    "unjudged": N_("The server could not check these answers (%(error)s); kept as sent for review."),
    "unknown_version": N_("Unknown survey or version: %(survey)s v%(version)s."),
}


def _repeat_count(ngettext, n: int, **params: Any) -> str:
    return ngettext(
        "Has %(n)s entry, but its repeat count (%(expression)s) asks for %(target)s.",
        "Has %(n)s entries, but its repeat count (%(expression)s) asks for %(target)s.",
        n,
        n=n,
        **params,
    )


# code -> the sentence as a function of ngettext and the count ``n`` (plural forms).
PLURALS = {"repeat_count": _repeat_count}


def _english_plural(singular: str, plural: str, num: int, **params: Any) -> str:
    return (singular if num == 1 else plural) % params


def message(code: str, **params: Any) -> Message:
    """One message: its code and, when it has any, its parameters (plain JSON values)."""
    found: Message = {"code": code}
    if params:
        found["params"] = {k: v if isinstance(v, int | float | str) else str(v) for k, v in params.items()}
    return found


def authored(code: str, text: Any, default_language: str = "en", **params: Any) -> Message:
    """A message with the form author's own words (``required``, ``constraint``): kept in
    every language the form has, its default first (the fallback where it is shown)."""
    found = message(code, **params)
    if isinstance(text, dict):
        text = {k: v for k, v in text.items() if v}
        if text and default_language in text:
            found["default_language"] = default_language  # stored JSON sorts its keys
    if text:
        found["text"] = text
    return found


def _author_text(item: Message, language: str | None) -> str:
    default = item.get("default_language") or "en"
    return str(text_in(item.get("text"), language or default, default))


def render(item: Any, language: str | None = None, translate=None, translate_plural=None) -> str:
    """One message as a sentence: ``translate(template, **params)`` (Flask-Babel's
    ``gettext``, and ``ngettext`` for a count, where a page shows it; plain English by
    default), the author's words in ``language``. A stored string (before codes) is shown
    as it is."""
    if not isinstance(item, dict) or not isinstance(item.get("code"), str):
        return item if isinstance(item, str) else str(item)
    code, params = item["code"], item.get("params") or {}
    author = _author_text(item, language)
    if code == "constraint" and author:
        return author  # the author's words replace the condition, as on the phone
    params = {k: v for k, v in params.items() if isinstance(k, str)}
    template = TEMPLATES.get(code)
    try:
        if code in PLURALS and isinstance(params.get("n"), int):
            count = params.pop("n")
            sentence = PLURALS[code](translate_plural or _english_plural, count, **params)
        elif template is None:
            return author or code  # a code from a newer release: never a crash
        else:
            sentence = translate(template, **params) if translate else template % params
    except (KeyError, TypeError, ValueError):  # parameters that do not fit: words only
        sentence = (translate(template) if translate else template) if template else code
    # The plain sentence first (coordinators read it), then the author's message.
    return f"{sentence} {author}" if author else sentence


def english(errors: dict[str, list[Any]]) -> dict[str, list[str]]:
    """Errors as the English sentences the sync API answers with (its contract since v1)."""
    return {key: [render(item) for item in items] for key, items in errors.items()}
