"""CSV export, streamed: constant memory however many records there are.

Codes by default (choice names, as KoboToolbox's "XML values"); with a language, choice
labels in that language instead. Every cell a spreadsheet would run as a formula is quoted
(``formulas.safe_cells``): headers and metadata too, not only answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from .. import storedjson
from ..records.filters import Filters
from ..surveys.registry import get_definition
from .columns import META_COLUMNS, label_headers, row_builder, survey_columns
from .deidentify import Deidentifier
from .formulas import safe_cells
from .rows import matching_rows, meta_cells

CHUNK_BYTES = 64 * 1024
BOM = "\ufeff"


def load_answers(text: str) -> Any:
    """A record's answers; a record whose stored text is not JSON exports as unanswered.

    No file format can carry a lone surrogate (a phone's text cut inside an emoji): exports
    show it as U+FFFD (see ``storedjson``); the stored record is unchanged.
    """
    return storedjson.load(text)


def csv_chunks(
    db: Database, filters: Filters, language: str | None = None, deid: Deidentifier | None = None
) -> Iterator[str]:
    """Yield the CSV text in chunks of about 64 KB: a BOM, a header, one row per submission.

    The byte order mark makes Excel read the file as UTF-8 (Arabic, accents); pandas and
    R skip it. With a language, headers are question labels and cells choice labels.
    """
    columns = survey_columns(db, filters.survey_id)
    if deid:
        columns = deid.columns(columns)
    definition = get_definition(db, filters.survey_id) or {}
    default = definition.get("default_language", "en")
    build = row_builder(columns, language=language, default_language=default)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    headers = label_headers(columns, language, default) if language else [c.header for c in columns]
    writer.writerow(safe_cells(META_COLUMNS + headers))
    loads = load_answers
    for row in matching_rows(db, filters):
        meta, data = meta_cells(row), loads(row[2])
        if deid:
            meta, data = deid.meta(meta), deid.answers(data)
        writer.writerow(safe_cells(meta + build(data, row[0])))
        if buffer.tell() > CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
