"""Language names to codes, and XLSForm column headers split into column and language.

pyxform reads the survey itself (``convert.py`` works on its parsed form); what is left here
is what our own sheets need too: the location-list CSV (``forms_admin/locations.py``) and
the language codes of an imported form's ``label::English (en)`` columns.
"""

from __future__ import annotations

import re

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
