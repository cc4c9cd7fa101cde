"""Sign-in sessions kept on the server, so that ending one ends every copy of its cookies.

Flask's ``session`` cookie and Flask-Login's ``remember_token`` are signed, not secret:
whoever copies them is signed in for as long as they verify. So both carry only a random
session id (256 bits) that names a row of ``user_sessions`` (by its SHA-256: a copy of the
database yields no usable id). A request is signed in only while that row is open and
unexpired. Sign-out ends the row; a password reset or a disabled account ends every row
of the account. Each sign-in makes a new id, so the remember token is rotated per sign-in.

Expiry slides: a session lives ``SESSION_DAYS`` (30) after it was last used, so a
facilitator offline for weeks still syncs when back, and never more than
``SESSION_MAX_DAYS`` (90) after signing in. ``last_seen_at`` is written at most once an
hour per session, not on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..db import write_transaction

TOUCH_EVERY = timedelta(hours=1)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Lifetime:
    days: int = 30  # since last use
    max_days: int = 90  # since sign-in

    def expiry(self, created: datetime, seen: datetime) -> str:
        return _iso(min(seen + timedelta(days=self.days), created + timedelta(days=self.max_days)))


def start_session(db: Database, user_id: int, lifetime: Lifetime) -> str:
    """Open a session for a user who just signed in; return its id (for the cookies only)."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with write_transaction(db):
        db.execute(
            "INSERT INTO user_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [_digest(session_id), user_id, _iso(now), _iso(now), lifetime.expiry(now, now)],
        )
    return session_id


@dataclass(frozen=True)
class OpenSession:
    user_id: int
    touched: bool  # last_seen_at was moved on by this request


def find_session(db: Database, session_id: str, lifetime: Lifetime) -> OpenSession | None:
    """The open, unexpired session with this id, noting that it was used."""
    if not session_id or len(session_id) > 128:
        return None
    row = db.execute(
        "SELECT id, user_id, created_at, last_seen_at, expires_at FROM user_sessions"
        " WHERE id_hash = ? AND ended_at IS NULL",
        [_digest(session_id)],
    ).fetchone()
    if row is None:
        return None
    key, user_id, created, seen, expires = row
    now = datetime.now(UTC)
    if _parse(expires) <= now:
        return None
    if now - _parse(seen) < TOUCH_EVERY:
        return OpenSession(user_id, touched=False)
    with write_transaction(db):
        db.execute(
            "UPDATE user_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
            [_iso(now), lifetime.expiry(_parse(created), now), key],
        )
    return OpenSession(user_id, touched=True)


def end_session(db: Database, session_id: str, reason: str = "signed_out") -> int | None:
    """End one session (sign-out); return its user's id, or None if it was not open."""
    with write_transaction(db):
        row = db.execute(
            "SELECT id, user_id FROM user_sessions WHERE id_hash = ? AND ended_at IS NULL",
            [_digest(session_id)],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE user_sessions SET ended_at = ?, ended_reason = ? WHERE id = ?",
            [_iso(datetime.now(UTC)), reason, row[0]],
        )
    return row[1]


def end_user_sessions(db: Database, user_id: int, reason: str) -> int:
    """End every open session of an account (password reset, disabled); return how many."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE user_sessions SET ended_at = ?, ended_reason = ? WHERE user_id = ? AND ended_at IS NULL",
            [_iso(datetime.now(UTC)), reason, user_id],
        )
    return cursor.rowcount
