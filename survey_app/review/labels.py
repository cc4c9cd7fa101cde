"""Labels, not codes, in the review queues: survey titles, area names, readable messages.

A queue row carries codes (``kisauni``, ``mjambere``) and a validation message may name
a question as ``${district}``. Coordinators read the survey's title, the area's label in
the interface language (falling back to the survey's own language), and the question's
label in place of each ``${name}``. The definition's ``dashboard`` block says which
questions are the area levels; nothing here names one.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from sqlite_utils import Database

from ..exports.columns import survey_questions
from ..languages.messages import ui_message
from ..languages.texts import translate
from ..surveys.registry import dashboard_block, list_surveys

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Survey:
    """One survey's questions and area levels, read once per page."""

    def __init__(self, db: Database, survey_id: str, language: str):
        self.questions = survey_questions(db, survey_id)
        self.area = dashboard_block(db, survey_id).area
        self.language = language

    def _definition_text(self, text: Any, definition: dict) -> str:
        return translate(text, self.language, definition.get("default_language", "en"))

    def question(self, name: str) -> str:
        found = self.questions.get(name)
        return self._definition_text(found[0].get("label"), found[1]) if found else name

    def choice(self, level: int, value: Any) -> Any:
        if value is None or len(self.area) <= level or self.area[level] not in self.questions:
            return value
        question, definition = self.questions[self.area[level]]
        for choice in definition.get("choice_lists", {}).get(question.get("choices"), []):
            if choice.get("name") == value:
                return self._definition_text(choice.get("label"), definition) or value
        return value

    def message(self, item: Any) -> Any:
        """The message in the interface language (by its code; the form author's words in the
        survey's language), each ``${name}`` as the question's label."""
        if not isinstance(item, str | dict):
            return item
        return REFERENCE.sub(lambda m: f"“{self.question(m.group(1))}”", ui_message(item, self.language))


def labelled(db: Database, queue: tuple[int, list[dict[str, Any]]]) -> tuple[int, list[dict[str, Any]]]:
    """The queue with ``survey_title``, ``area_label``, ``subarea_label`` and readable messages."""
    total, rows = queue
    language = str(get_locale() or "en")
    titles = {s["id"]: s["title"] for s in list_surveys(db)}
    surveys: dict[str, _Survey] = {}
    for row in rows:
        survey = surveys.get(row["survey_id"])
        if survey is None:
            survey = surveys[row["survey_id"]] = _Survey(db, row["survey_id"], language)
        row["survey_title"] = titles.get(row["survey_id"], row["survey_id"])
        row["area_label"] = survey.choice(0, row.get("area"))
        row["subarea_label"] = survey.choice(1, row.get("subarea"))
        if isinstance(row.get("errors"), dict):
            row["errors"] = {
                key: [survey.message(m) for m in messages] if isinstance(messages, list) else messages
                for key, messages in row["errors"].items()
            }
    return total, rows
