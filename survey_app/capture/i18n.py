"""Picking the language a survey is shown in (its texts: ``languages/texts.py``)."""

from __future__ import annotations

from flask import request

from ..languages import chosen_language, use_page_language


def pick_language(definition: dict) -> str:
    """``?lang=``, the posted ``_lang`` or the person's remembered choice (the ``lang``
    cookie) if the survey has it, else the browser's preference, else the default.

    The page's interface then speaks the same language, when it has it.
    """
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
