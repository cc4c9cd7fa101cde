"""The review queues: quarantined records, open conflicts, safeguarding flags.

A record leaves a queue when it is dealt with: a quarantined record when it is
corrected (it becomes valid) or rejected; a conflict when a coordinator decides it; a
safeguarding flag once the record has been reviewed (any state but ``received``).
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from .. import storedjson

QUEUE_LIMIT = 50


def _rows(db: Database, sql: str, params: list) -> list[dict[str, Any]]:
    rows = []
    for row in db.query(sql, params):
        if row.get("errors"):
            row["errors"] = storedjson.load(row["errors"], default={})
        rows.append(row)
    return rows


def quarantined(db: Database, limit: int = QUEUE_LIMIT) -> tuple[int, list[dict[str, Any]]]:
    where = "f.validation = 'quarantined' AND f.review_state != 'rejected'"
    total = db.execute(f"SELECT count(*) FROM submission_facts f WHERE {where}").fetchone()[0]
    rows = _rows(
        db,
        "SELECT s.id, s.survey_id, s.version, s.received_at, s.errors, s.review_state, u.username"
        " FROM submission_facts f JOIN submissions s ON s.id = f.submission_id"
        f" LEFT JOIN users u ON u.id = s.submitted_by WHERE {where}"
        " ORDER BY f.received_at DESC LIMIT ?",
        [limit],
    )
    return total, rows


def conflicts(db: Database, limit: int = QUEUE_LIMIT) -> tuple[int, list[dict[str, Any]]]:
    open_ = (
        "FROM submission_conflicts c LEFT JOIN conflict_resolutions r ON r.conflict_id = c.id"
        " WHERE r.conflict_id IS NULL"
    )
    total = db.execute(f"SELECT count(*) {open_}").fetchone()[0]
    rows = _rows(
        db,
        "SELECT c.id AS conflict_id, c.submission_id AS id, c.survey_id, c.version, c.received_at,"
        f" u.username {open_.replace('WHERE', 'LEFT JOIN users u ON u.id = c.submitted_by WHERE')}"
        " ORDER BY c.received_at DESC LIMIT ?",
        [limit],
    )
    return total, rows


def safeguarding(db: Database, limit: int = QUEUE_LIMIT) -> tuple[int, list[dict[str, Any]]]:
    where = "f.safeguarding = 1 AND f.review_state = 'received'"
    total = db.execute(f"SELECT count(*) FROM submission_facts f WHERE {where}").fetchone()[0]
    rows = _rows(
        db,
        "SELECT f.submission_id AS id, f.survey_id, f.version, f.received_at, f.area, f.subarea,"
        " f.answer_date, u.username FROM submission_facts f LEFT JOIN users u ON u.id = f.submitted_by"
        f" WHERE {where} ORDER BY f.received_at DESC LIMIT ?",
        [limit],
    )
    return total, rows


def new_records(db: Database, limit: int = 10) -> tuple[int, list[dict[str, Any]]]:
    """Records received and not reviewed yet (any survey), newest first."""
    where = "f.review_state = 'received' AND f.validation = 'valid'"
    total = db.execute(f"SELECT count(*) FROM submission_facts f WHERE {where}").fetchone()[0]
    rows = _rows(
        db,
        "SELECT f.submission_id AS id, f.survey_id, f.version, f.received_at, f.area, f.subarea,"
        " f.answer_date, u.username FROM submission_facts f LEFT JOIN users u ON u.id = f.submitted_by"
        f" WHERE {where} ORDER BY f.received_at DESC LIMIT ?",
        [limit],
    )
    return total, rows
