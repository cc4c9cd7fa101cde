"""Picking the language a survey is shown in, and its translated texts."""

from __future__ import annotations

from flask import request


def pick_language(definition: dict) -> str:
    """``?lang=``, the posted ``_lang`` or the person's remembered choice (the ``lang``
    cookie) if the survey has it, else the browser's preference, else the default.

    The page's interface then speaks the same language, when it has it.
    """
    from ..languages import chosen_language, use_page_language

    languages = definition.get("languages") or [definition["default_language"]]
    language = next(
        (
            asked
            for asked in (request.args.get("lang"), request.form.get("_lang"), chosen_language())
            if asked in languages
        ),
        None,
    )
    language = language or request.accept_languages.best_match(languages) or definition["default_language"]
    use_page_language(language)
    return language


def translate(text, language: str, default_language: str = "en") -> str:
    """The text in a language, falling back to the default, then to any."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get(default_language) or next(iter(text.values()), "")


RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"
