"""XLSX export, streamed (``xlsx_stream``): a few hundred rows in memory, whatever the size.

Sheets: ``submissions`` (one row per record; a repeat column holds its number of
entries), one sheet per repeat group (one row per entry, joined to its record by
``_parent_id``), and ``codebook``. Every sheet is written in row order in a single pass
over the records. Text is never turned into a formula, a number or a link (answers stay
what was typed); numbers are numbers, and the answers of date questions are Excel dates.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from ..records.filters import Filters
from ..surveys.registry import get_definition
from .codebook import codebook
from .columns import META_COLUMNS, label_headers, repeat_scopes, row_builder, survey_columns
from .csv_export import load_answers
from .deidentify import Deidentifier
from .rows import matching_rows, meta_cells
from .xlsx_stream import Workbook

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
    taken: set[str] = set()
    names = [sheet_name("submissions", taken), *(sheet_name(r.name, taken) for r in repeats)]
    book = Workbook(path, [*names, sheet_name("codebook", taken)])
    main, *repeat_sheets, codebook_sheet = book.sheets
    try:
        headers = label_headers(columns, language, default) if language else [c.header for c in columns]
        main.header(META_COLUMNS + headers)
        dates = {i + len(META_COLUMNS) for i, c in enumerate(columns) if c.qtype in DATE_TYPES and not deid}
        count_at = [i for i, c in enumerate(columns) if c.kind == "json" and c.name in repeat_names]
        sheets = []
        for scope, sheet in zip(repeats, repeat_sheets, strict=True):
            heads = (
                label_headers(scope.columns, language, default)
                if language
                else [c.header for c in scope.columns]
            )
            sheet.header(["_parent_id", "_index"] + heads)
            sheets.append(
                [scope, sheet, row_builder(scope.columns, language=language, default_language=default), 2]
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
            main.row(written + 1, meta + cells, dates)
            if not isinstance(data, dict):
                continue
            for entry in sheets:
                scope, sheet, build_entry, next_row = entry
                items = data.get(scope.name)
                if not isinstance(items, list):
                    continue
                for index, item in enumerate(items, start=1):
                    if next_row > EXCEL_MAX_ROWS:
                        break
                    parent = deid.pseudonym(row[0]) if deid else row[0]
                    entry_data = deid.answers(item) if deid else item
                    sheet.row(next_row, [parent, index] + build_entry(entry_data, row[0]))
                    next_row += 1
                entry[3] = next_row
        headers, rows = codebook(db, survey_id)
        codebook_sheet.header(headers)
        for number, cells in enumerate(rows, start=2):
            codebook_sheet.row(number, cells)
    except BaseException:
        book.abandon()
        raise
    book.close()
    return written
