"""What of XLSForm we support: types, columns, settings, and language names to codes.

Everything outside these tables is refused by name (row and column), never dropped
silently: a coordinator must know when a form would behave differently here than in
ODK Collect or KoboToolbox. Aliases follow pyxform's (``relevance`` = ``relevant``, ...).
"""

from __future__ import annotations

import re

#: Survey sheet columns -> our question key. Aliases are pyxform's.
SURVEY_COLUMNS = {
    "type": "type",
    "name": "name",
    "label": "label",
    "caption": "label",
    "hint": "hint",
    "required": "required",
    "required_message": "required_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "relevant": "relevant",
    "relevance": "relevant",
    "constraint": "constraint",
    "constraint_message": "constraint_message",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "calculation": "calculation",
    "calculate": "calculation",
    "default": "default",
    "read_only": "read_only",
    "readonly": "read_only",
    "appearance": "appearance",
    "choice_filter": "choice_filter",
    "repeat_count": "repeat_count",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "parameters": "parameters",
}
#: Columns that may carry a language (``label::English (en)``).
TRANSLATABLE = {"label", "hint", "required_message", "constraint_message"}
#: Columns holding an expression, kept as source (compiled when the survey is published).
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "repeat_count")

CHOICE_COLUMNS = {"list_name": "list_name", "name": "name", "value": "name", "label": "label"}
CHOICE_COLUMNS["caption"] = "label"
#: Choice columns that mean media files, which we cannot show.
CHOICE_MEDIA = {"image", "big-image", "audio", "video", "media"}

SETTINGS_COLUMNS = {
    "form_title": "form_title",
    "set_form_title": "form_title",
    "form_id": "form_id",
    "set_form_id": "form_id",
    "id_string": "form_id",
    "version": "version",
    "default_language": "default_language",
}
#: Settings that only affect presentation in other tools: ignored, with a note to the author.
SETTINGS_IGNORED = {
    "style",
    "instance_name",
    "name",
    "allow_choice_duplicates",
    "clean_text_values",
    "namespaces",
}

#: XLSForm type (lower case, single spaces) -> our type.
SIMPLE_TYPES = {
    "text": "text",
    "string": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "note": "note",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
    "geopoint": "geopoint",
    "acknowledge": "acknowledge",
    "trigger": "acknowledge",
    "range": "range",
    "calculate": "calculate",
    "image": "image",
    "photo": "image",
    "audio": "audio",
    "start": "start",
    "end": "end",
    "today": "today",
    "deviceid": "deviceid",
    "imei": "deviceid",
    "username": "username",
}
SELECT_COMMANDS = {
    "select_one": "select_one",
    "select one": "select_one",
    "select one from": "select_one",
    "select1": "select_one",
    "select_multiple": "select_multiple",
    "select multiple": "select_multiple",
    "select multiple from": "select_multiple",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
}
_SELECT_RE = re.compile(
    r"^(?P<command>"
    + "|".join(sorted(map(re.escape, SELECT_COMMANDS), key=len, reverse=True))
    + r") (?P<list>\S+)(?: (?P<other>or_other|or specify other|or other))?$",
    re.IGNORECASE,
)
_CONTROL_RE = re.compile(r"^(?P<edge>begin|end)[ _](?P<kind>group|repeat)$")

#: Appearances that change what is captured (not only how it looks): refused.
DATA_APPEARANCES = ("search(", "signature", "draw", "annotate", "ex:", "printer:", "new", "counter")

#: Where a language column has no "(code)", common names are known by heart.
LANGUAGE_NAMES = {
    "english": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "arabic": "ar",
    "العربية": "ar",
    "swahili": "sw",
    "kiswahili": "sw",
    "chichewa": "ny",
    "nyanja": "ny",
    "spanish": "es",
    "español": "es",
    "portuguese": "pt",
    "português": "pt",
    "somali": "so",
    "amharic": "am",
    "hausa": "ha",
    "hindi": "hi",
    "urdu": "ur",
    "bengali": "bn",
    "russian": "ru",
    "chinese": "zh",
}
_CODE_IN_NAME = re.compile(r"\(\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\s*\)\s*$")
_BARE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def language_code(name: str) -> str | None:
    """``English (en)`` -> ``en``; ``English`` -> ``en``; ``fr`` -> ``fr``; unknown -> None."""
    name = name.strip()
    match = _CODE_IN_NAME.search(name)
    if match:
        return match.group(1).lower()
    if name.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[name.lower()]
    if _BARE_CODE.match(name):
        return name.lower()
    return None


def split_header(header: str, double_colon: bool) -> tuple[str, str | None]:
    """A column header -> (base column, language or None), as pyxform reads it.

    ``label::English (en)`` -> ``("label", "English (en)")``. The old single-colon form
    (``label:English``) is read only when no header of the sheet uses ``::``; ``jr:count``
    and ``jr:constraintMsg`` keep their colon.
    """
    text = " ".join(header.split())
    if double_colon or "::" in text:
        base, _, language = text.partition("::")
    elif text.lower().startswith("jr:"):
        base, language = text, ""
    else:
        base, _, language = text.partition(":")
    base = "_".join(base.strip().split()).lower()
    return base, (language.strip() or None)


def parse_type(raw: str) -> dict | None:
    """Read an XLSForm ``type`` cell; None if we do not support it.

    Returns ``{"type": ...}`` plus ``list`` and ``or_other`` for selects, or ``edge``
    (``begin``/``end``) for groups and repeats.
    """
    text = " ".join(str(raw).split())
    lowered = text.lower()
    control = _CONTROL_RE.match(lowered)
    if control:
        return {"type": control["kind"], "edge": control["edge"]}
    match = _SELECT_RE.match(text)
    if match:
        if match["list"].startswith("${"):
            return None  # choices generated from a repeat: not supported
        return {
            "type": SELECT_COMMANDS[match["command"].lower()],
            "list": match["list"],
            "or_other": bool(match["other"]),
        }
    if lowered in SIMPLE_TYPES:
        return {"type": SIMPLE_TYPES[lowered]}
    return None


YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0"}


def yes_no(value: str) -> bool | None:
    """``yes``/``true()``/... -> True, ``no``/``false()``/... -> False, anything else None."""
    lowered = str(value).strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None
