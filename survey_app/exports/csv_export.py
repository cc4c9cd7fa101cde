"""CSV export, streamed: constant memory however many records there are."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlite_utils import Database

from .columns import META_COLUMNS, cell, meta_cells, survey_columns

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Stop a text answer such as ``=HYPERLINK(...)`` from running as a formula in Excel."""
    if isinstance(value, str) and value.startswith(RISKY_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def submission_rows(db: Database, survey_id: str) -> Iterator[dict]:
    yield from db.query(
        "SELECT s.id, s.version, s.data, s.source, s.received_at, s.validation, s.review_state,"
        " s.link_id, u.username FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by"
        " WHERE s.survey_id = ? ORDER BY s.received_at, s.id",
        [survey_id],
    )


def csv_lines(db: Database, survey_id: str) -> Iterator[str]:
    """Yield the CSV text in chunks: a header, then one row per submission."""
    columns = survey_columns(db, survey_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(META_COLUMNS + [c.header for c in columns])
    for count, row in enumerate(submission_rows(db, survey_id), start=1):
        data = json.loads(row["data"])
        writer.writerow(meta_cells(row) + [spreadsheet_safe(cell(c, data)) for c in columns])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
