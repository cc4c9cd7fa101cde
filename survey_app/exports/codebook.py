"""The codebook: every question of every version, with its type, labels and choices.

Analysts read it beside the data: which column holds which question, what its codes
mean in each language, and in which versions it was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from ..languages.texts import translate
from ..surveys.registry import get_definition, list_versions

BASE_HEADERS = ["column", "name", "type", "required", "choice_list", "relevant", "constraint", "versions"]


def _paths(questions: list[dict], path: str = "") -> Iterator[tuple[str, dict]]:
    for question in questions:
        yield path + question["name"], question
        if question.get("questions"):
            yield from _paths(question["questions"], f"{path}{question['name']}/")


def codebook(db: Database, survey_id: str) -> tuple[list[str], list[list[Any]]]:
    """The codebook's header row and rows (newest wording of each question)."""
    versions = list_versions(db, survey_id)
    languages: list[str] = []
    found: dict[str, tuple[dict, dict]] = {}
    asked_in: dict[str, list[str]] = {}
    for version in versions:
        definition = get_definition(db, survey_id, version)
        for code in definition.get("languages") or [definition["default_language"]]:
            if code not in languages:
                languages.append(code)
        for path, question in _paths(definition["questions"]):
            found[path] = (question, definition)  # newest version's wording wins
            asked_in.setdefault(path, []).append(version)
    headers = (
        BASE_HEADERS
        + [f"label::{code}" for code in languages]
        + [f"hint::{code}" for code in languages]
        + [f"choices::{code}" for code in languages]
    )
    rows = []
    for path, (question, definition) in found.items():
        default = definition["default_language"]
        choices = definition["choice_lists"].get(question.get("choices"), [])
        extra = [{"name": "other", "label": "Other"}] if question.get("or_other") else []
        row: list[Any] = [
            path,
            question["name"],
            question["type"],
            _required(question.get("required")),
            question.get("choices", ""),
            question.get("relevant", ""),
            question.get("constraint", ""),
            " ".join(asked_in[path]),
        ]
        row += [translate(question.get("label"), code, default) for code in languages]
        row += [translate(question.get("hint"), code, default) for code in languages]
        row += [
            "; ".join(f"{c['name']} = {translate(c.get('label'), code, default)}" for c in choices + extra)
            for code in languages
        ]
        rows.append(row)
    return headers, rows


def _required(flag: Any) -> str:
    """ "yes", or the condition when ``required`` is an expression."""
    if isinstance(flag, str):
        return flag
    return "yes" if flag else ""
