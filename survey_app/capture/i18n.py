"""Picking the language a survey is shown in, and its translated texts."""

from __future__ import annotations

from flask import request


def pick_language(definition: dict) -> str:
    """``?lang=`` if the survey has it, else the browser's preference, else the default."""
    languages = definition.get("languages") or [definition["default_language"]]
    asked = request.args.get("lang") or request.form.get("_lang")
    if asked in languages:
        return asked
    best = request.accept_languages.best_match(languages)
    return best or definition["default_language"]


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
