"""XLSX export with XlsxWriter in ``constant_memory`` mode: one row in memory per sheet.

Sheets: ``submissions`` (one row per record; a repeat column holds its number of
entries), one sheet per repeat group (one row per entry, joined to its record by
``_parent_id``), and ``codebook``. Every sheet is written in row order in a single pass
over the records, which is what constant_memory requires. Text is never turned into a
formula, a number or a link (answers stay what was typed).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import xlsxwriter
from sqlite_utils import Database

from ..records.filters import Filters
from ..surveys.registry import get_definition
from .codebook import codebook
from .columns import META_COLUMNS, label_headers, repeat_scopes, row_builder, survey_columns
from .csv_export import load_answers
from .deidentify import Deidentifier
from .rows import iso_datetime, matching_rows, meta_cells

DATE_TYPES = {"date", "datetime", "today", "start", "end"}

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MAX_ROWS = 1_048_576


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"_{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _header(sheet, cells: list[str], bold) -> None:
    """The header row, as text cells (``write_row`` would guess each cell's type)."""
    for col, value in enumerate(cells):
        sheet.write_string(0, col, str(value), bold)


def _write(sheet, row: int, cells: list[Any], dates: set[int] = frozenset(), formats: tuple = ()) -> None:
    """Write one row: text as text (never a formula), numbers as numbers, and the cells of
    date questions as real Excel dates (a text that is not an ISO date stays text)."""
    for col, value in enumerate(cells):
        if value == "":
            continue
        if isinstance(value, str):
            when = iso_datetime(value) if col in dates else None
            if when is not None:
                sheet.write_datetime(row, col, when, formats[0] if len(value) <= 10 else formats[1])
            else:
                sheet.write_string(row, col, value)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int | float) and _fits(value):
            sheet.write_number(row, col, value)
        else:  # a number Excel cannot hold (hundreds of digits, NaN), or a list or object
            sheet.write_string(row, col, value if isinstance(value, str) else json.dumps(value, default=str))


def _fits(number: int | float) -> bool:
    """Whether Excel's float holds the number (exactly, for a whole one)."""
    if isinstance(number, int):
        return abs(number) <= 2**53
    return math.isfinite(number)


def write_xlsx(
    db: Database, filters: Filters, path: str, language: str | None = None, deid: Deidentifier | None = None
) -> int:
    """Write the workbook to ``path``; return how many records it holds."""
    survey_id = filters.survey_id
    definition = get_definition(db, survey_id) or {}
    default = definition.get("default_language", "en")
    columns = survey_columns(db, survey_id)
    if deid:
        columns = deid.columns(columns)
    build = row_builder(columns, language=language, default_language=default)
    repeats = repeat_scopes(db, survey_id)
    if deid:
        for scope in repeats:
            scope.columns = deid.columns(scope.columns)
    repeat_names = {r.name for r in repeats}
    book = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    taken: set[str] = set()
    bold = book.add_format({"bold": True})
    main = book.add_worksheet(sheet_name("submissions", taken))
    headers = label_headers(columns, language, default) if language else [c.header for c in columns]
    _header(main, META_COLUMNS + headers, bold)
    dates = {i + len(META_COLUMNS) for i, c in enumerate(columns) if c.qtype in DATE_TYPES and not deid}
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    count_at = [i for i, c in enumerate(columns) if c.kind == "json" and c.name in repeat_names]
    sheets = []
    for scope in repeats:
        sheet = book.add_worksheet(sheet_name(scope.name, taken))
        heads = (
            label_headers(scope.columns, language, default) if language else [c.header for c in scope.columns]
        )
        _header(sheet, ["_parent_id", "_index"] + heads, bold)
        sheets.append(
            [scope, sheet, row_builder(scope.columns, language=language, default_language=default), 1]
        )
    written = 0
    for row in matching_rows(db, filters):
        if written + 1 >= EXCEL_MAX_ROWS:
            break
        data = load_answers(row[2])
        meta = meta_cells(row)
        if deid:
            meta, data = deid.meta(meta), deid.answers(data)
        cells = build(data, row[0])
        for index in count_at:
            entries = data.get(columns[index].name) if isinstance(data, dict) else None
            cells[index] = len(entries) if isinstance(entries, list) else cells[index]
        written += 1
        _write(main, written, meta + cells, dates, (date_format, time_format))
        if not isinstance(data, dict):
            continue
        for entry in sheets:
            scope, sheet, build_entry, next_row = entry
            items = data.get(scope.name)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items, start=1):
                if next_row >= EXCEL_MAX_ROWS:
                    break
                parent = deid.pseudonym(row[0]) if deid else row[0]
                entry_data = deid.answers(item) if deid else item
                _write(sheet, next_row, [parent, index] + build_entry(entry_data, row[0]))
                next_row += 1
            entry[3] = next_row
    headers, rows = codebook(db, survey_id)
    sheet = book.add_worksheet(sheet_name("codebook", taken))
    _header(sheet, headers, bold)
    for number, cells in enumerate(rows, start=1):
        _write(sheet, number, cells)
    book.close()
    return written
