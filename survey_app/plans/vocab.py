"""The lists plans and the registry choose from, with labels: concerns, areas, types.

They come from the surveys' definitions (every published version, newest label wins),
so a city that renames a concern or adds a district changes them by publishing a form.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..languages.texts import translate
from ..networks.declaration import registry_repeats
from ..records.source import area_question, concern_question, survey_questions
from ..surveys.registry import get_definition, list_surveys


def _choices(db: Database, role, language: str, surveys=None) -> dict[str, str]:
    """The choices of the question playing ``role`` (a function of db and survey id)."""
    found: dict[str, str] = {}
    for survey in list_surveys(db):
        if surveys and survey["id"] not in surveys:
            continue
        questions = survey_questions(db, survey["id"])
        name = role(db, survey["id"])
        if name in questions:
            question, definition = questions[name]
            for choice in definition["choice_lists"].get(question.get("choices"), []):
                found.setdefault(
                    choice["name"], translate(choice["label"], language, definition["default_language"])
                )
    return found


def concerns(db: Database, language: str, surveys=None) -> dict[str, str]:
    """Concern name -> label, over the surveys' concern lists."""
    return _choices(db, concern_question, language, surveys)


def areas(db: Database, language: str, surveys=None) -> dict[str, str]:
    """Area name -> label: the choices of the surveys' area question."""
    return _choices(db, area_question, language, surveys)


def org_types(db: Database, language: str) -> dict[str, str]:
    """Organisation type -> label, from the type questions of declared registry repeats."""
    found: dict[str, str] = {}
    for survey in list_surveys(db):
        definition = get_definition(db, survey["id"])
        for repeat in registry_repeats(definition or {}):
            for choice in definition["choice_lists"].get(repeat.type_choices or "", []):
                found.setdefault(
                    choice["name"], translate(choice["label"], language, definition["default_language"])
                )
    return found


def partner_answers(db: Database, language: str) -> dict[str, str]:
    """The answers of declared registry repeats' "could partner" question, with labels."""
    found: dict[str, str] = {}
    for survey in list_surveys(db):
        definition = get_definition(db, survey["id"])
        for repeat in registry_repeats(definition or {}):
            for choice in definition["choice_lists"].get(repeat.partner_choices or "", []):
                found.setdefault(
                    choice["name"], translate(choice["label"], language, definition["default_language"])
                )
    return found


def surveys_with_concerns(db: Database) -> dict[str, str]:
    """Survey id -> title, for the surveys whose records carry concerns."""
    found = {}
    for survey in list_surveys(db):
        name = concern_question(db, survey["id"])
        if name and name in survey_questions(db, survey["id"]):
            found[survey["id"]] = survey["title"]
    return found
