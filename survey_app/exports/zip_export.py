"""CSV with repeats: a zip of ``submissions.csv`` and one CSV per repeat group.

A repeat's file has one row per entry, keyed to its record by ``_parent_id`` (the
record's ``_id``) and ``_index`` (1, 2, ... in the order entered), as the XLSX's repeat
sheets are; the flat CSV carries a repeat only as one JSON cell. Each file is written in
one pass over the records, straight into the zip (constant memory).
"""

from __future__ import annotations

import csv
import io
import zipfile

from sqlite_utils import Database

from ..records.filters import Filters
from ..surveys.registry import get_definition
from .columns import label_headers, repeat_scopes, row_builder
from .csv_export import BOM, csv_chunks, load_answers
from .deidentify import Deidentifier
from .formulas import safe_cells
from .rows import matching_rows
from .xlsx_export import sheet_name

ZIP_MIME = "application/zip"


def write_zip(
    db: Database, filters: Filters, path: str, language: str | None = None, deid: Deidentifier | None = None
) -> None:
    definition = get_definition(db, filters.survey_id) or {}
    default = definition.get("default_language", "en")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("submissions.csv", "w") as stream:
            for part in csv_chunks(db, filters, language, deid):
                stream.write(part.encode("utf-8"))
        taken: set[str] = {"submissions"}
        for scope in repeat_scopes(db, filters.survey_id):
            columns = deid.columns(scope.columns) if deid else scope.columns
            build = row_builder(columns, language=language, default_language=default)
            heads = label_headers(columns, language, default) if language else [c.header for c in columns]
            with archive.open(f"{sheet_name(scope.name, taken)}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                text.write(BOM)
                writer = csv.writer(text)
                writer.writerow(safe_cells(["_parent_id", "_index", *heads]))
                for row in matching_rows(db, filters):
                    data = load_answers(row[2])
                    entries = data.get(scope.name) if isinstance(data, dict) else None
                    if not isinstance(entries, list):
                        continue
                    parent = deid.pseudonym(row[0]) if deid else row[0]
                    for index, entry in enumerate(entries, start=1):
                        entry = deid.answers(entry) if deid else entry
                        writer.writerow(safe_cells([parent, index, *build(entry, row[0])]))
                text.flush()
                text.detach()
