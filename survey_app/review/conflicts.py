"""Conflicts: the same record id sent again with different answers.

Both copies are kept by the sync path (which takes a copy only from the record's own
account or link, for its own survey). Here a coordinator sees them side by side and
decides: keep the stored answers, or adopt the other copy; a copy for another survey, or
one holding no answers object (possible in databases from before that rule), can only be
kept aside. Adopting goes through
``corrections.replace_answers``, so the replaced answers are kept; either way the
decision is recorded and the record leaves the conflicts queue once none is open.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext
from sqlite_utils import Database

from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..storedjson import has_lone_surrogate
from ..timeutil import now_iso
from .corrections import CorrectionRefused, check, replace_answers
from .states import MAX_COMMENT, add_event

DECISIONS = {"keep": "kept", "adopt": "adopted"}


def conflicts_for(db: Database, submission_id: str) -> list[dict[str, Any]]:
    """The conflicting copies of a record, with any decision taken on each."""
    return list(
        db.query(
            "SELECT c.id, c.version, c.data, c.meta, c.errors, c.source, c.received_at,"
            " u.username, r.decision, r.comment AS decision_comment, r.at AS decided_at,"
            " d.username AS decided_by FROM submission_conflicts c"
            " LEFT JOIN users u ON u.id = c.submitted_by"
            " LEFT JOIN conflict_resolutions r ON r.conflict_id = c.id"
            " LEFT JOIN users d ON d.id = r.actor_id"
            " WHERE c.submission_id = ? ORDER BY c.id",
            [submission_id],
        )
    )


def resolve(db: Database, conflict_id: int, decision: str, comment: str | None, actor_id: int | None) -> str:
    """Keep the stored answers or adopt the conflicting copy; return the record id."""
    if decision not in DECISIONS:
        raise BadRequest("Choose keep or adopt.", {"decision": ["keep or adopt"]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise BadRequest("The comment is too long.", {"comment": [f"at most {MAX_COMMENT} characters"]})
    with write_transaction(db):
        row = db.execute(
            "SELECT c.submission_id, c.survey_id, c.version, c.data, r.decision"
            " FROM submission_conflicts c LEFT JOIN conflict_resolutions r ON r.conflict_id = c.id"
            " WHERE c.id = ?",
            [conflict_id],
        ).fetchone()
        if row is None:
            raise NotFound("There is no such conflict.")
        submission_id, survey_id, version, data, decided = row
        if decided:
            raise CorrectionRefused(f"This conflict was already decided ({decided}).")
        if decision == "adopt":
            owner = db.execute("SELECT survey_id FROM submissions WHERE id = ?", [submission_id]).fetchone()
            if owner is None or owner[0] != survey_id:
                # A copy for another survey (stored before copies were checked for their
                # owner and survey): adopting it would pair one survey's answers with
                # another's definition. It can only be kept aside.
                message = gettext("This copy is for another survey: it cannot replace these answers.")
                raise CorrectionRefused(message)
            answers = json.loads(data)
            if not isinstance(answers, dict):
                raise CorrectionRefused(gettext("This copy holds no answers to adopt."))
            if has_lone_surrogate(answers):
                # Kept as the phone sent it, but no index or export can carry it as answers.
                raise CorrectionRefused(
                    gettext("This copy holds a broken character: correct the record by hand instead.")
                )
            errors = check(db, survey_id, version, answers)
            replace_answers(db, submission_id, answers, version, errors, actor_id, comment)
        db.execute(
            "INSERT INTO conflict_resolutions (conflict_id, decision, comment, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?)",
            [conflict_id, DECISIONS[decision], comment, actor_id, now_iso()],
        )
        open_left = db.execute(
            "SELECT count(*) FROM submission_conflicts c LEFT JOIN conflict_resolutions r"
            " ON r.conflict_id = c.id WHERE c.submission_id = ? AND r.conflict_id IS NULL",
            [submission_id],
        ).fetchone()[0]
        if not open_left:
            db.execute("UPDATE submissions SET has_conflict = 0 WHERE id = ?", [submission_id])
        note = f"{DECISIONS[decision]} copy #{conflict_id}" + (f": {comment}" if comment else "")
        add_event(db, submission_id, "conflict", actor_id, note)
    return submission_id
