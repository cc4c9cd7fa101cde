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
from ..review.filters import Filters
from ..surveys.registry import get_definition
from .columns import META_COLUMNS, row_builder, survey_columns
from .formulas import safe_cells
from .rows import matching_rows, meta_cells

CHUNK_BYTES = 64 * 1024


def load_answers(text: str) -> Any:
    """A record's answers; a record whose stored text is not JSON exports as unanswered.

    No file format can carry a lone surrogate (a phone's text cut inside an emoji): exports
    show it as U+FFFD (see ``storedjson``); the stored record is unchanged.
    """
    return storedjson.load(text)


def csv_chunks(db: Database, filters: Filters, language: str | None = None) -> Iterator[str]:
    """Yield the CSV text in chunks of about 64 KB: a header, then one row per submission."""
    columns = survey_columns(db, filters.survey_id)
    definition = get_definition(db, filters.survey_id) or {}
    build = row_builder(columns, language=language, default_language=definition.get("default_language", "en"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_cells(META_COLUMNS + [c.header for c in columns]))
    loads = load_answers
    for row in matching_rows(db, filters):
        writer.writerow(safe_cells(meta_cells(row) + build(loads(row[2]), row[0])))
        if buffer.tell() > CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
