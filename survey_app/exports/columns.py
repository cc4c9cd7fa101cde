"""Export columns, derived from the definitions (the union over all versions).

Column names follow KoboToolbox/ODK: group path joined by ``/`` (``session/district``);
a select-multiple gets one 0/1 column per choice (``concerns/concerns/jobs``) after
its space-separated column. Repeats go in one JSON column in flat formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..surveys.registry import get_definition, list_versions

META_COLUMNS = [
    "_id",
    "_version",
    "_submitted_by",
    "_source",
    "_received_at",
    "_validation",
    "_review_state",
]
SKIP_TYPES = {"group", "note", "image", "audio"}


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # the question's name in the data
    kind: str  # "value", "choice", "multi", "json", "geopoint"
    choice: str | None = None
    part: str | None = None


def _columns_for(questions: list[dict], definition: dict, path: str = "") -> list[Column]:
    columns: list[Column] = []
    for question in questions:
        kind, name = question["type"], question["name"]
        if kind == "group":
            columns += _columns_for(question["questions"], definition, f"{path}{name}/")
            continue
        if kind in SKIP_TYPES:
            continue
        header = path + name
        if kind == "repeat":
            columns.append(Column(header, name, "json"))
        elif kind == "select_multiple":
            columns.append(Column(header, name, "multi"))
            choices = [c["name"] for c in definition["choice_lists"].get(question["choices"], [])]
            if question.get("or_other"):
                choices.append("other")
            columns += [
                Column(f"{header}/{choice}", name, "choice", choice=choice) for choice in choices
            ]
        elif kind == "geopoint":
            columns.append(Column(header, name, "geopoint"))
            columns += [
                Column(f"{header}/{part}", name, "geopoint", part=part) for part in ("lat", "lon")
            ]
        else:
            columns.append(Column(header, name, "value"))
        if question.get("or_other"):
            columns.append(Column(f"{header}_other", name + "_other", "value"))
    return columns


def survey_columns(db: Database, survey_id: str) -> list[Column]:
    """Every answer column of every version, in first-seen order, each header once."""
    seen: dict[str, Column] = {}
    for version in list_versions(db, survey_id):
        definition = get_definition(db, survey_id, version)
        for column in _columns_for(definition["questions"], definition):
            seen.setdefault(column.header, column)
    return list(seen.values())


def cell(column: Column, data: dict) -> Any:
    """The value of one column for one record's answers ("" when unanswered)."""
    value = data.get(column.name) if isinstance(data, dict) else None
    if column.kind == "choice":
        if value is None:
            return ""
        return 1 if isinstance(value, list) and column.choice in value else 0
    if value is None:
        return ""
    if column.kind == "multi":
        return " ".join(map(str, value)) if isinstance(value, list) else str(value)
    if column.kind == "geopoint":
        if not isinstance(value, dict):
            return str(value)
        if column.part:
            return value.get(column.part, "")
        return " ".join(
            str(value.get(k, "")) for k in ("lat", "lon", "alt", "accuracy") if k in value
        )
    if column.kind == "json" or isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def meta_cells(row: dict) -> list[Any]:
    return [
        row["id"],
        row["version"],
        row.get("username") or ("public link" if row.get("link_id") else ""),
        row["source"],
        row["received_at"],
        row["validation"],
        row["review_state"],
    ]
