"""The records an export writes: the filtered submissions, oldest first, from one snapshot.

An export opens its own connection and a read transaction (``Snapshot``): the count
written to the audit log and the rows streamed afterwards come from the same moment, so
"how many records" is exact even while phones keep syncing. Rows are plain tuples
(``ROW_FIELDS``): building a dict per record is measurable at 100,000 records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from ..db import connect
from ..records.filters import Filters

ROW_FIELDS = (
    "id",
    "version",
    "data",
    "source",
    "received_at",
    "validation",
    "review_state",
    "link_id",
    "username",
    "has_conflict",
    "meta",
    "valid_json",
    "link_label",
)
FIELD = {name: index for index, name in enumerate(ROW_FIELDS)}


def count_matching(db: Database, filters: Filters) -> int:
    where, params = filters.where("f")
    return db.execute(f"SELECT count(*) FROM submission_facts f WHERE {where}", params).fetchone()[0]


def matching_rows(db: Database, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """The filtered submissions as ``ROW_FIELDS`` tuples, in the order they arrived."""
    where, params = filters.where("f")
    cursor = db.conn.execute(
        "SELECT s.id, s.version, s.data, s.source, s.received_at, s.validation, s.review_state,"
        " s.link_id, u.username, s.has_conflict, s.meta, json_valid(s.data), pl.label"
        " FROM submission_facts f JOIN submissions s ON s.id = f.submission_id"
        " LEFT JOIN users u ON u.id = s.submitted_by LEFT JOIN public_links pl ON pl.id = s.link_id"
        f" WHERE {where} ORDER BY f.received_at, f.fid",
        params,
    )
    cursor.arraysize = 500
    while True:
        batch = cursor.fetchmany()
        if not batch:
            return
        yield from batch


def meta_cells(row: tuple[Any, ...]) -> list[Any]:
    """The ``columns.META_COLUMNS`` cells of one row.

    ``_started`` and ``_finished`` come from the phone's ``meta`` (``started_at``,
    ``finalized_at``), read defensively: stored meta may be anything. ``_link`` names the
    public link a record came through, by label and id, so answers from different links
    can be told apart.
    """
    meta = _meta(row[10])
    link = ""
    if row[7] is not None:
        link = f"{row[12]} (#{row[7]})" if row[12] else f"#{row[7]}"
    return [
        row[0],
        row[1],
        row[8] or ("public link" if row[7] is not None or row[3] == "link" else ""),
        row[3],
        row[4],
        row[5],
        row[6],
        row[9],
        _text(meta.get("started_at")),
        _text(meta.get("finalized_at")),
        link,
    ]


def device_id(row: tuple[Any, ...]) -> str:
    return _text(_meta(row[10]).get("device_id"))


def _meta(text: Any) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class Snapshot:
    """An export's own connection, holding one read transaction until it is closed."""

    def __init__(self, database: str, busy_timeout_ms: int = 5000):
        self.db = connect(database, busy_timeout_ms)
        self.db.conn.execute("BEGIN")  # deferred: the snapshot starts at the first read
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("COMMIT")
        finally:
            self.db.close()


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def iso_datetime(value: Any) -> datetime | None:
    """An ISO date or date-time answer as a naive UTC datetime, else None (typed exports:
    Excel, SPSS and Stata have no time zones; a text that is not a date stays text)."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
