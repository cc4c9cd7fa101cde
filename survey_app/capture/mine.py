"""What a facilitator sent, as they can read it: their list, and one record read-only.

A facilitator may read only their own records (``submitted_by``); anyone else's record is
answered 404, the same as one that does not exist, so the page says nothing about it. The
list names each record by the answers that tell sessions apart (the form's
``instance_name``, or the session's date, venue and ward), like the phone's own lists.
"""

from __future__ import annotations

from typing import Any

from .. import storedjson
from ..coordinator.answers import answers, show
from ..surveys.registry import get_definition
from ..surveys.schema import walk
from .formdata import summary_fields


def _data(text: str | None) -> Any:
    loaded = storedjson.load(text or "null", default=None)
    return loaded if isinstance(loaded, dict) else {}


def summary(definition: dict | None, data: dict, language: str) -> str:
    """The record's naming answers, as text: "2026-11-20 · Community hall · Kongowea"."""
    if not definition:
        return ""
    questions = {q["name"]: q for q in walk(definition["questions"])}
    parts = [
        show(data.get(name), questions.get(name), definition, language) for name in summary_fields(definition)
    ]
    return " · ".join(p for p in parts if p)


def my_rows(db, user_id: int, language_of) -> list[dict]:
    """This account's records, newest first, each with its naming summary."""
    rows = list(
        db.query(
            "SELECT s.id, s.survey_id, s.version, s.validation, s.review_state, s.received_at, s.data,"
            " v.title FROM submissions s LEFT JOIN surveys v ON v.id = s.survey_id"
            " WHERE s.submitted_by = ? ORDER BY s.received_at DESC LIMIT 200",
            [user_id],
        )
    )
    definitions: dict[tuple[str, str], dict | None] = {}
    for row in rows:
        key = (row["survey_id"], row["version"])
        if key not in definitions:
            definitions[key] = get_definition(db, *key)
        definition = definitions[key]
        row["summary"] = summary(definition, _data(row.pop("data")), language_of(definition))
    return rows


def my_record(db, user_id: int, submission_id: str, language_of) -> dict | None:
    """One of this account's records with its answers in form order; None if not theirs."""
    record = next(
        db.query(
            "SELECT s.id, s.survey_id, s.version, s.validation, s.review_state, s.received_at, s.data,"
            " v.title FROM submissions s LEFT JOIN surveys v ON v.id = s.survey_id"
            " WHERE s.id = ? AND s.submitted_by = ?",
            [submission_id, user_id],
        ),
        None,
    )
    if record is None:
        return None
    definition = get_definition(db, record["survey_id"], record["version"])
    language = language_of(definition)
    data = _data(record.pop("data"))
    record.update(
        definition=definition,
        lang=language,
        summary=summary(definition, data, language),
        answers=answers(definition, data, language),
        files=[
            row["name"]
            for row in db.query(
                "SELECT name FROM attachments WHERE submission_id = ? ORDER BY name", [record["id"]]
            )
        ],
    )
    return record
