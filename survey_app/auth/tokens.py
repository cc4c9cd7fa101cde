"""Per-user API tokens for scripts and integrations.

A token is shown once; only its SHA-256 is stored. Tokens are 256 random bits, so a
fast hash is enough (no salt or slow hash needed, unlike passwords).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import now_iso
from .users import User, get_user

PREFIX = "sa_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, user_id: int, name: str) -> str:
    """Create a token for a user and return it; it cannot be recovered later."""
    token = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
            [user_id, name, _digest(token), now_iso()],
        )
    return token


def user_for_token(db: Database, token: str) -> User | None:
    """Return the active user a token belongs to, or None if unknown or revoked."""
    row = next(
        db.query(
            "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            [_digest(token)],
        ),
        None,
    )
    if row is None:
        return None
    user = get_user(db, row["user_id"])
    return user if user and user.active else None
