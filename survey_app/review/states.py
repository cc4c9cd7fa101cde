"""Review states and their history: received, approved, has issues, rejected.

A state change is one ``BEGIN IMMEDIATE`` transaction that updates the record and appends
an event (with its optional comment) to ``review_events``, which is never changed
afterwards. The record's answers are untouched: reviewing never rewrites data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..records.review_states import REVIEW_STATES
from ..timeutil import now_iso

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Change:
    submission_id: str
    from_state: str
    to_state: str
    comment: str | None


def add_event(
    db: Database,
    submission_id: str,
    action: str,
    actor_id: int | None,
    comment: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> None:
    """Append one entry to a record's review history (inside the caller's transaction)."""
    db.execute(
        "INSERT INTO review_events (submission_id, action, from_state, to_state, comment, actor_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [submission_id, action, from_state, to_state, comment, actor_id, now_iso()],
    )


def set_state(
    db: Database, submission_id: str, to_state: str, comment: str | None, actor_id: int | None
) -> Change:
    """Move a record to a review state (or comment on it) and keep the event."""
    if to_state not in REVIEW_STATES:
        raise BadRequest("Unknown review state.", {"state": [f"one of {', '.join(REVIEW_STATES)}"]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise BadRequest("The comment is too long.", {"comment": [f"at most {MAX_COMMENT} characters"]})
    with write_transaction(db):
        row = db.execute("SELECT review_state FROM submissions WHERE id = ?", [submission_id]).fetchone()
        if row is None:
            raise NotFound("There is no such submission.")
        from_state = row[0]
        if from_state != to_state:
            db.execute("UPDATE submissions SET review_state = ? WHERE id = ?", [to_state, submission_id])
        if from_state != to_state or comment:
            add_event(db, submission_id, "state", actor_id, comment, from_state, to_state)
    return Change(submission_id, from_state, to_state, comment)


def history(db: Database, submission_id: str) -> list[dict[str, Any]]:
    """A record's review events, oldest first, with who made them."""
    return list(
        db.query(
            "SELECT e.id, e.action, e.from_state, e.to_state, e.comment, e.at, u.username"
            " FROM review_events e LEFT JOIN users u ON u.id = e.actor_id"
            " WHERE e.submission_id = ? ORDER BY e.id",
            [submission_id],
        )
    )
