"""A survey's own texts (labels, hints, messages, titles) in one language.

Definition texts are either plain strings or ``{language: text}`` maps. Every reader picks
from a map the same way, so a label never reads differently on the dashboard, in an
export and in a validation message: the asked language, then the survey's default
language, then the first language that has the text. This module imports nothing of the
app, so ``capture/``, ``languages/`` and every read-side package can use it without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


def translate(text: Any, language: str, default_language: str = "en", missing: Any = "") -> Any:
    """``text`` in ``language``, else in ``default_language``, else in any; ``missing``
    when there is no text at all. A plain string is the same in every language."""
    if not text:
        return missing
    if isinstance(text, str):
        return text
    if not isinstance(text, Mapping):
        return missing
    found = text.get(language) or text.get(default_language)
    if found:
        return found
    return next((value for value in text.values() if value), missing)


def direction(language: str) -> str:
    """``rtl`` for the right-to-left languages, else ``ltr`` (the page's ``dir``)."""
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"
