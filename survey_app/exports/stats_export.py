"""SPSS ``.sav`` and Stata ``.dta`` exports, with variable and value labels, via pyreadstat.

ODK users write their own converters for this; here the definition gives everything
the file needs: each variable's label is its question's label (in the export's
language, else the survey's), each single-choice question becomes a numbered variable
whose value labels are its choices' labels (codes 1, 2, ... in the choice list's order;
a value no list has gets the next number, labelled with itself), each choice of a
multiple-choice question a 0/1 variable labelled No/Yes, numbers stay numbers and date
answers are real dates (text that is no date becomes missing in a date variable; the
answers themselves stay in the database as sent).

Variable names follow both programs' rules: letters, digits and ``_``, starting with a
letter, at most 28 characters, each once (``session_details/district`` becomes
``district``; metadata ``_id`` becomes ``meta_id``).

Unlike CSV and XLSX, these files are built as one data frame in memory (pyreadstat
writes a whole frame at once): about 1 KB per record for the built-in session form.
"""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from ..records.filters import Filters
from ..surveys.registry import get_definition
from .columns import META_COLUMNS, Column, _label, row_builder, survey_columns
from .csv_export import load_answers
from .deidentify import Deidentifier
from .rows import iso_datetime, matching_rows, meta_cells

NUMBER_TYPES = {"integer", "decimal", "range"}
DATE_TYPES = {"date", "today"}
DATETIME_TYPES = {"datetime", "start", "end"}
MAX_NAME = 28  # Stata: 32, and pyreadstat names a value label set variable + a counter


def variable_name(raw: str, taken: set[str]) -> str:
    """A name SPSS and Stata both accept, unique in ``taken`` (which it joins)."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", raw).strip("_") or "v"
    if not name[0].isalpha():
        name = "v_" + name
    name = name[:MAX_NAME]
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f"_{n}"
        candidate, n = name[: MAX_NAME - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _short(column: Column) -> str:
    """The column's own name part: the question (and choice or part), without its groups."""
    if column.kind == "choice":
        return f"{column.name}_{column.choice}"
    if column.part:
        return f"{column.name}_{column.part}"
    return column.name


def write_stats(
    db: Database,
    filters: Filters,
    path: str,
    kind: str,
    language: str | None = None,
    deid: Deidentifier | None = None,
) -> int:
    """Write a ``sav`` or ``dta`` file to ``path``; return how many records it holds."""
    import pandas as pd
    import pyreadstat

    definition = get_definition(db, filters.survey_id) or {}
    default = definition.get("default_language", "en")
    lang = language or default
    columns = survey_columns(db, filters.survey_id)
    if deid:
        columns = deid.columns(columns)
    build = row_builder(columns, language=None, default_language=default)
    taken: set[str] = set()
    meta_names = [variable_name("meta" + m if m.startswith("_") else m, taken) for m in META_COLUMNS]
    names = [variable_name(_short(c), taken) for c in columns]
    labels: dict[str, str] = dict(
        zip(meta_names, [m.lstrip("_").replace("_", " ") for m in META_COLUMNS], strict=True)
    )
    value_labels: dict[str, dict[int | float, str]] = {}
    codes: dict[str, dict[str, int]] = {}
    for name, c in zip(names, columns, strict=True):
        title = str(_label({"q": c.title}, "q", lang, default)) if c.title else c.header
        if c.kind == "choice":
            title = f"{title}: {_label(c.labels, c.choice, lang, default)}"
            value_labels[name] = {0: "No", 1: "Yes"}
        elif c.qtype == "select_one" and c.labels:
            codes[name] = {choice: n for n, choice in enumerate(c.labels, start=1)}
            value_labels[name] = {
                n: str(_label(c.labels, choice, lang, default)) for choice, n in codes[name].items()
            }
        labels[name] = title[:80] if kind == "dta" else title
    rows: list[list[Any]] = []
    for row in matching_rows(db, filters):
        meta, data = meta_cells(row), load_answers(row[2])
        if deid:
            meta, data = deid.meta(meta), deid.answers(data)
        rows.append(meta + build(data, row[0]))
    frame = (
        pd.DataFrame(rows, columns=meta_names + names) if rows else pd.DataFrame(columns=meta_names + names)
    )
    for name, c in zip(names, columns, strict=True):
        frame[name] = _typed(frame[name], c, codes.get(name), value_labels, name, pd, deid is not None)
    for name in meta_names:
        frame[name] = frame[name].map(lambda v: "" if v is None else str(v)) if len(frame) else frame[name]
    options = {"column_labels": labels, "variable_value_labels": value_labels}
    if kind == "sav":
        pyreadstat.write_sav(frame, path, **options)
    else:
        pyreadstat.write_dta(frame, path, **options)
    return len(rows)


def _typed(
    series, column: Column, codes: dict[str, int] | None, value_labels: dict, name: str, pd, coarse: bool
):
    """One variable with the type its question asks for."""
    if codes is not None:  # single choice: numbered, labelled
        extra = value_labels[name]

        def code(value: Any) -> float:
            if value in ("", None):
                return float("nan")
            text = str(value)
            if text not in codes:
                codes[text] = max(codes.values(), default=0) + 1
                extra[codes[text]] = text
            return float(codes[text])

        return series.map(code).astype("float64")
    if column.kind == "choice":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if column.qtype in NUMBER_TYPES or column.part:
        return pd.to_numeric(series.map(lambda v: None if v == "" else v), errors="coerce").astype("float64")
    if column.qtype in DATE_TYPES | DATETIME_TYPES and not coarse:
        return series.map(lambda v: _when(v, column.qtype in DATE_TYPES))
    return series.map(lambda v: "" if v is None else str(v)).astype("object")


def _when(value: Any, date_only: bool):
    parsed = iso_datetime(value)
    return parsed.date() if date_only and parsed is not None else parsed
