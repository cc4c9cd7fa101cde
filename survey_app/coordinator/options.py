"""What the filter form offers for a survey: its versions, areas, types, facilitators, links.

Read from the definitions (the ``dashboard`` block says which questions are the area
levels and the group kind; choices come with their labels in the page's language), the
accounts and the survey's public links (by label and id), so the form offers the values
that mean something for this survey.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlite_utils import Database

from ..exports.columns import survey_questions
from ..languages.texts import translate
from ..records.review_states import REVIEW_STATES, STATE_LABELS
from ..surveys.registry import dashboard_block, get_definition, list_surveys, list_versions

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية", "sw": "Kiswahili", "ny": "Chichewa"}


def _choices(found: tuple[dict, dict] | None, language: str) -> list[tuple[str, str]]:
    """(name, label) of a question's choices, for a <select>."""
    if not found:
        return []
    question, definition = found
    return [
        (c["name"], translate(c.get("label"), language, definition["default_language"]))
        for c in definition["choice_lists"].get(question.get("choices"), [])
    ]


def filter_options(db: Database, survey_id: str, language: str) -> dict[str, Any]:
    """Everything the filter form needs to offer for ``survey_id``."""
    questions = survey_questions(db, survey_id)
    block = dashboard_block(db, survey_id)
    levels = [questions.get(name) for name in block.area]
    kind = questions.get(block.group_kind) if block.group_kind else None
    # Every account that can send records (a few dozen), not a scan of the records.
    facilitators = [
        (row["username"], row["username"])
        for row in db.query("SELECT username FROM users WHERE active = 1 ORDER BY username")
    ]
    links = [
        (str(row["id"]), f"{row['label']} (#{row['id']})")
        for row in db.query(
            "SELECT id, label FROM public_links WHERE survey_id = ? ORDER BY label, id", [survey_id]
        )
    ]

    def label(found: tuple[dict, dict] | None) -> str:
        if not found:
            return ""
        question, definition = found
        return translate(question.get("label"), language, definition["default_language"])

    return {
        "versions": [(v, v) for v in list_versions(db, survey_id)],
        "area_label": label(levels[0]) if levels else "",
        "areas": _choices(levels[0], language) if levels and not block.area_is_text else [],
        "area_is_text": block.area_is_text,
        "subarea_label": label(levels[1]) if len(levels) > 1 else "",
        "subareas": _choices(levels[1], language) if len(levels) > 1 else [],
        "type_label": label(kind),
        "types": _choices(kind, language),
        "facilitators": facilitators,
        "links": links,
        "states": [(s, STATE_LABELS[s]) for s in REVIEW_STATES],
    }


def page_survey(db: Database) -> tuple[list[dict], str | None, dict | None]:
    """The surveys, the one chosen with ``?survey=`` (or the busiest lately), and its definition."""
    surveys = list_surveys(db)
    ids = [s["id"] for s in surveys]
    asked = request.args.get("survey")
    if asked not in ids:
        # The survey that received the latest record (max fid: one index step), else the first.
        latest = db.execute(
            "SELECT survey_id FROM submission_facts WHERE fid = (SELECT max(fid) FROM submission_facts)"
        ).fetchone()
        asked = latest[0] if latest and latest[0] in ids else None
    survey_id = asked or (ids[0] if ids else None)
    return surveys, survey_id, get_definition(db, survey_id) if survey_id else None


def page_language(definition: dict | None) -> str:
    """``?lang=``, else the person's language (the ``lang`` cookie, see survey_app/languages),
    when the survey has it; else the survey's default language."""
    if not definition:
        return "en"
    languages = definition.get("languages") or [definition["default_language"]]
    for asked in (request.args.get("lang"), request.cookies.get("lang")):
        if asked in languages:
            return asked
    return definition["default_language"]
