"""User accounts: creation, lookup, disabling and password resets."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin
from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import now_iso
from .passwords import dummy_hash, hash_password, password_problem, verify_password
from .sessions import end_user_sessions

ROLES = ("admin", "coordinator", "facilitator")


class UserError(ValueError):
    """A user operation that cannot be done, with a message for the person asking."""

    def __init__(self, message: str, field: str = "username"):
        super().__init__(message)
        self.field = field  # the form field the message belongs to


@dataclass
class User(UserMixin):
    id: int
    username: str
    role: str
    active: bool
    session_id: str | None = None  # the server-side session this request runs in (sessions.py)

    def get_id(self) -> str | None:
        # What the cookies carry: the random id of a server-side session, never the
        # account's id, so ending the session (sign-out, reset, disable) ends every copy.
        return self.session_id

    @property
    def is_active(self) -> bool:
        return self.active


def _from_row(row: dict | None) -> User | None:
    if row is None:
        return None
    return User(row["id"], row["username"], row["role"], bool(row["active"]))


def get_user(db: Database, user_id: int) -> User | None:
    return _from_row(next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None))


def find_user(db: Database, username: str) -> dict | None:
    return next(db.query("SELECT * FROM users WHERE username = ?", [username.strip()]), None)


def list_users(db: Database) -> list[dict]:
    return list(db.query("SELECT id, username, role, active, created_at FROM users ORDER BY username"))


def authenticate(db: Database, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    The password is checked against a hash whether or not the name exists or is active
    (a dummy hash for unknown names), so the time taken does not tell which names exist.
    """
    row = find_user(db, username)
    ok = verify_password(row["password_hash"] if row else dummy_hash(), password)
    if row is None or not row["active"] or not ok:
        return None
    return _from_row(row)


def create_user(db: Database, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("A username needs 1 to 64 characters.")
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}.")
    problem = password_problem(password, username)
    if problem:
        raise UserError(problem, "password")
    with write_transaction(db):
        if find_user(db, username):
            raise UserError(f"The username {username!r} is taken.")
        now = now_iso()
        cursor = db.execute(
            "INSERT INTO users (username, password_hash, role, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [username, hash_password(password), role, now, now],
        )
    return get_user(db, cursor.lastrowid)


def set_active(db: Database, user_id: int, active: bool) -> int:
    """Enable or disable an account; disabling ends its sessions and revokes its tokens.

    Returns how many API tokens were revoked.
    """
    with write_transaction(db):
        db.execute(
            "UPDATE users SET active = ?, updated_at = ? WHERE id = ?",
            [int(active), now_iso(), user_id],
        )
        if active:
            return 0
        from .tokens import revoke_user_tokens

        end_user_sessions(db, user_id, "disabled")
        return revoke_user_tokens(db, user_id)


def reset_password(db: Database, user_id: int, password: str) -> int:
    """Set a new password; it ends the account's sessions and revokes its tokens (how many)."""
    user = get_user(db, user_id)
    problem = password_problem(password, user.username if user else None)
    if problem:
        raise UserError(problem, "password")
    from .tokens import revoke_user_tokens

    with write_transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
            [hash_password(password), now_iso(), user_id],
        )
        end_user_sessions(db, user_id, "password_reset")
        return revoke_user_tokens(db, user_id)
