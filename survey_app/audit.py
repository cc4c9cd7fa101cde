"""The audit log: who did what, when. Exports, sign-ins, account changes, imports."""

from __future__ import annotations

import json

from sqlite_utils import Database

from .timeutil import now_iso


def record(db: Database, action: str, actor_id: int | None, target: str | None = None, **details) -> None:
    """Append one audit entry. Details must never contain answers, only metadata."""
    db.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?)",
        [now_iso(), actor_id, action, target, json.dumps(details, default=str)],
    )
