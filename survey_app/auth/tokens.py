"""Per-user API tokens for scripts and integrations, with a life cycle.

A token is shown once; only its SHA-256 is stored. Tokens are 256 random bits, so a
fast hash is enough (no salt or slow hash needed, unlike passwords). A token may expire
(``create-token --expires-days N``), is revoked by ``survey-app tokens revoke ID`` or on
the admin page, and all of an account's tokens are revoked when its password is reset or
it is disabled. Callers write the audit entries (they know who acted, and how).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import now_iso
from .users import User, get_user

PREFIX = "sa_"
TOUCH_EVERY = timedelta(hours=1)


class TokenError(ValueError):
    """A token operation that cannot be done, with a message for the person asking."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(db: Database, user_id: int, name: str, expires_days: int | None = None) -> str:
    """Create a token for a user and return it; it cannot be recovered later."""
    return issue_token(db, user_id, name, expires_days)[1]


def issue_token(db: Database, user_id: int, name: str, expires_days: int | None = None) -> tuple[int, str]:
    """Create a token for a user; return (its id, the token), which cannot be recovered later."""
    if expires_days is not None and expires_days < 1:
        raise TokenError("A token must live at least one day.")
    token = PREFIX + secrets.token_urlsafe(32)
    expires = None
    if expires_days is not None:
        expires = (datetime.now(UTC) + timedelta(days=expires_days)).isoformat(timespec="milliseconds")
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [user_id, name[:100], _digest(token), now_iso(), expires],
        )
    return cursor.lastrowid, token


def user_for_token(db: Database, token: str) -> User | None:
    """Return the active user a token belongs to, or None if unknown, revoked or expired."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.execute(
        "SELECT id, user_id, expires_at, last_used_at FROM api_tokens"
        " WHERE token_hash = ? AND revoked_at IS NULL",
        [_digest(token)],
    ).fetchone()
    if row is None:
        return None
    token_id, user_id, expires, used = row
    now = datetime.now(UTC)
    if expires and datetime.fromisoformat(expires) <= now:
        return None
    user = get_user(db, user_id)
    if not (user and user.active):
        return None
    if used is None or now - datetime.fromisoformat(used) >= TOUCH_EVERY:
        with write_transaction(db):
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now_iso(), token_id])
    return user


def list_tokens(db: Database, user_id: int | None = None) -> list[dict]:
    """Every token (of one account, if given), newest first: never the token itself."""
    where, params = ("WHERE t.user_id = ?", [user_id]) if user_id is not None else ("", [])
    rows = db.query(
        "SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.last_used_at, t.revoked_at"
        f" FROM api_tokens t JOIN users u ON u.id = t.user_id {where} ORDER BY t.id DESC",
        params,
    )
    now = now_iso()
    out = []
    for row in rows:
        if row["revoked_at"]:
            state = "revoked"
        elif row["expires_at"] and row["expires_at"] <= now:
            state = "expired"
        else:
            state = "active"
        out.append({**row, "state": state})
    return out


def revoke_token(db: Database, token_id: int) -> dict:
    """Revoke one token; return its row (for the audit entry). Revoking twice is harmless."""
    with write_transaction(db):
        row = next(
            db.query(
                "SELECT t.id, t.user_id, u.username, t.name, t.revoked_at FROM api_tokens t"
                " JOIN users u ON u.id = t.user_id WHERE t.id = ?",
                [token_id],
            ),
            None,
        )
        if row is None:
            raise TokenError(f"No token with id {token_id}.")
        if row["revoked_at"] is None:
            db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [now_iso(), token_id])
    return row


def revoke_user_tokens(db: Database, user_id: int) -> int:
    """Revoke every live token of an account; return how many."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            [now_iso(), user_id],
        )
    return cursor.rowcount
