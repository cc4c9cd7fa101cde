"""Export columns, derived from the definitions (the union over all versions).

Column names follow KoboToolbox/ODK: group path joined by ``/`` (``session_details/district``);
a select-multiple gets its space-separated column, then one 0/1 column per choice
(``concerns_raised/concerns/jobs``); a geopoint gets its text plus ``/lat`` and ``/lon``;
a photo, recording or file gets its path inside the media zip (``media/<record id>/<name>``).
In flat formats a repeat is one JSON column; XLSX gives each repeat its own sheet.

``row_builder`` turns one record's answers into cells. It runs once per cell of every
export (millions of calls at 100,000 records), so it is a plain loop over a prepared plan
rather than a call per column.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..attachments.media import zip_path
from ..languages.texts import translate
from ..surveys.registry import get_definition, list_versions
from ..surveys.schema import FILE_TYPES
from .formulas import spreadsheet_safe

META_COLUMNS = [
    "_id",
    "_version",
    "_submitted_by",
    "_source",
    "_received_at",
    "_validation",
    "_review_state",
    "_has_conflict",
    "_started",
    "_finished",
    "_link",
]
SKIP_TYPES = {"group", "note", "osm"}

VALUE, SELECT_ONE, MULTI, CHOICES, GEO, GEO_PART, JSON, FILE = range(8)


@dataclass
class Column:
    header: str
    name: str  # the question's name in the data
    kind: str  # "value", "choice", "multi", "json", "geopoint", "file"
    choice: str | None = None
    part: str | None = None
    qtype: str = ""
    labels: dict[str, Any] = field(default_factory=dict)  # choice name -> translated label
    title: Any = None  # the question's translated label (headers in labels mode)


@dataclass
class RepeatScope:
    """A repeat group: its sheet name and the columns of one entry."""

    name: str
    header: str
    columns: list[Column]


def _choice_labels(question: dict, definition: dict) -> dict[str, Any]:
    labels = {
        c["name"]: c.get("label", c["name"])
        for c in definition["choice_lists"].get(question.get("choices"), [])
    }
    if question.get("or_other"):
        labels.setdefault("other", {"en": "Other"})
    return labels


def columns_for(questions: list[dict], definition: dict, path: str = "") -> list[Column]:
    """The columns of one scope (the form, or one repeat entry), in form order."""
    columns: list[Column] = []
    for question in questions:
        kind, name = question["type"], question["name"]
        if kind == "group":
            columns += columns_for(question["questions"], definition, f"{path}{name}/")
            continue
        if kind in SKIP_TYPES:
            continue
        # A name used in several groups is already scoped by its path (group/name).
        header = path + question["label_name"] if "label_name" in question else path + name
        first = len(columns)
        if kind == "repeat":
            columns.append(Column(header, name, "json", qtype=kind))
        elif kind == "select_multiple":
            labels = _choice_labels(question, definition)
            columns.append(Column(header, name, "multi", qtype=kind, labels=labels))
            columns += [
                Column(f"{header}/{choice}", name, "choice", choice=choice, qtype=kind, labels=labels)
                for choice in labels
            ]
        elif kind == "geopoint":
            columns.append(Column(header, name, "geopoint", qtype=kind))
            columns += [
                Column(f"{header}/{part}", name, "geopoint", part=part, qtype=kind) for part in ("lat", "lon")
            ]
        elif kind in FILE_TYPES:
            columns.append(Column(header, name, "file", qtype=kind))
        elif kind == "select_one":
            labels = _choice_labels(question, definition)
            columns.append(Column(header, name, "value", qtype=kind, labels=labels))
        else:
            columns.append(Column(header, name, "value", qtype=kind))
        if question.get("or_other"):
            columns.append(Column(f"{header}_other", name + "_other", "value", qtype="text"))
        for column in columns[first:]:
            column.title = question.get("label")
    return columns


def label_headers(columns: list[Column], language: str, default_language: str = "en") -> list[str]:
    """Headers in labels mode: the question's label in ``language`` (choice columns add
    the choice's label, location parts their part), each header once."""
    headers: list[str] = []
    seen: set[str] = set()
    for c in columns:
        title = _label({"q": c.title}, "q", language, default_language) if c.title else c.name
        if c.kind == "choice":
            title = f"{title}: {_label(c.labels, c.choice, language, default_language)}"
        elif c.part:
            title = f"{title} ({c.part})"
        elif c.name.endswith("_other") and c.qtype == "text":
            title = f"{title} (other)"
        title = str(title)
        if title in seen:
            title = f"{title} [{c.header}]"
        seen.add(title)
        headers.append(title)
    return headers


def _definitions(db: Database, survey_id: str) -> list[dict]:
    return [get_definition(db, survey_id, v) for v in list_versions(db, survey_id)]


def _union(column_lists: list[list[Column]]) -> list[Column]:
    seen: dict[str, Column] = {}
    for columns in column_lists:
        for column in columns:
            if column.header in seen and column.labels:
                seen[column.header].labels = {**column.labels, **seen[column.header].labels}
            seen.setdefault(column.header, column)
    return list(seen.values())


def survey_columns(db: Database, survey_id: str) -> list[Column]:
    """Every answer column of every version, in first-seen order, each header once."""
    return _union([columns_for(d["questions"], d) for d in _definitions(db, survey_id)])


def repeat_scopes(db: Database, survey_id: str) -> list[RepeatScope]:
    """The top-level repeat groups of every version, each with the union of its columns."""
    found: dict[str, tuple[str, list[list[Column]]]] = {}

    def visit(questions: list[dict], definition: dict, path: str) -> None:
        for question in questions:
            if question["type"] == "group":
                visit(question["questions"], definition, f"{path}{question['name']}/")
            elif question["type"] == "repeat":
                header = path + question["name"]
                entry = found.setdefault(question["name"], (header, []))
                entry[1].append(columns_for(question["questions"], definition))

    for definition in _definitions(db, survey_id):
        visit(definition["questions"], definition, "")
    return [RepeatScope(name, header, _union(lists)) for name, (header, lists) in found.items()]


def survey_questions(db: Database, survey_id: str) -> dict[str, tuple[dict, dict]]:
    """Question name -> (question, its definition), over every version (newest wins)."""
    from ..surveys.schema import walk

    found: dict[str, tuple[dict, dict]] = {}
    for definition in _definitions(db, survey_id):
        for question in walk(definition["questions"]):
            found[question["name"]] = (question, definition)
    return found


def _label(labels: dict, name: Any, language: str, default: str) -> Any:
    # Only a choice name (text) has a label; a list or object sent instead is shown as is.
    label = labels.get(name) if isinstance(name, str) else None
    if label is None:
        return name
    return translate(label, language, default, missing=name)


def row_builder(
    columns: list[Column],
    *,
    safe: bool = False,
    language: str | None = None,
    default_language: str = "en",
) -> Callable[[Any], list[Any]]:
    """A function from one record's answers to its cells ("" where unanswered).

    ``safe`` quotes text that a spreadsheet would run as a formula (CSV); ``language``
    gives choice labels in that language instead of choice names.
    """
    plan: list[tuple[int, str, Any]] = []
    for c in columns:
        if c.kind == "choice":
            # A select-multiple's 0/1 columns side by side: one step (the answer read once).
            if plan and plan[-1][0] == CHOICES and plan[-1][1] == c.name:
                plan[-1][2].append(c.choice)
            else:
                plan.append((CHOICES, c.name, [c.choice]))
        elif c.kind == "multi":
            plan.append((MULTI, c.name, c.labels if language else None))
        elif c.kind == "geopoint":
            plan.append((GEO_PART, c.name, c.part) if c.part else (GEO, c.name, None))
        elif c.kind == "json":
            plan.append((JSON, c.name, None))
        elif c.kind == "file":
            plan.append((FILE, c.name, None))
        elif c.labels and language:
            plan.append((SELECT_ONE, c.name, c.labels))
        else:
            plan.append((VALUE, c.name, None))

    def text(value: str) -> str:
        return spreadsheet_safe(value) if safe else value

    def build(data: Any, record_id: str = "") -> list[Any]:
        """``record_id`` places a file answer in the media zip (``media/<id>/<name>``)."""
        get = data.get if isinstance(data, dict) else {}.get
        out: list[Any] = []
        append = out.append
        for code, name, extra in plan:
            value = get(name)
            if value is None:
                if code == CHOICES:
                    out.extend([""] * len(extra))
                else:
                    append("")
            elif code == VALUE:
                kind = type(value)
                if kind is str:
                    append(text(value))
                elif kind is int or kind is bool:
                    append(value)
                elif kind is float:
                    append(value if value - value == 0 else str(value))  # NaN, Infinity: as text
                else:
                    append(text(json.dumps(value, ensure_ascii=False)))
            elif code == CHOICES:
                if type(value) is list:
                    out.extend([1 if choice in value else 0 for choice in extra])
                else:
                    out.extend([0] * len(extra))
            elif code == MULTI:
                if type(value) is not list:
                    append(text(str(value)))
                elif extra is None:
                    append(text(" ".join(map(str, value))))
                else:
                    append(text("; ".join(str(_label(extra, v, language, default_language)) for v in value)))
            elif code == SELECT_ONE:
                append(text(str(_label(extra, value, language, default_language))))
            elif code == FILE:
                append(zip_path(record_id, value) if type(value) is str and value else text(str(value)))
            elif code == GEO_PART:
                append(value.get(extra, "") if type(value) is dict else "")
            elif code == GEO:
                if type(value) is dict:
                    parts = ("lat", "lon", "alt", "accuracy")
                    append(" ".join(str(value[k]) for k in parts if value.get(k) is not None))
                else:
                    append(text(str(value)))
            else:
                append(text(json.dumps(value, ensure_ascii=False)))
        return out

    return build


def cell(column: Column, data: dict) -> Any:
    """The value of one column for one record's answers ("" when unanswered)."""
    return row_builder([column])(data)[0]


def meta_cells(row: dict) -> list[Any]:
    """The ``META_COLUMNS`` cells of one submission row."""
    return [
        row["id"],
        row["version"],
        row.get("username") or ("public link" if row.get("link_id") else ""),
        row["source"],
        row["received_at"],
        row["validation"],
        row["review_state"],
        row.get("has_conflict", 0),
    ]
