"""User accounts: creation, lookup, disabling and password resets."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin
from sqlite_utils import Database

from ..db import write_transaction
from ..timeutil import now_iso
from .passwords import hash_password, password_problem, verify_password

ROLES = ("admin", "coordinator", "facilitator")


class UserError(ValueError):
    """A user operation that cannot be done, with a message for the person asking."""


@dataclass
class User(UserMixin):
    id: int
    username: str
    role: str
    active: bool
    session_epoch: int

    def get_id(self) -> str:
        # The epoch is part of the session id: a reset or a disable bumps it and so
        # signs the person out everywhere, on every phone.
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_active(self) -> bool:
        return self.active


def _from_row(row: dict | None) -> User | None:
    if row is None:
        return None
    return User(row["id"], row["username"], row["role"], bool(row["active"]), row["session_epoch"])


def get_user(db: Database, user_id: int) -> User | None:
    return _from_row(next(db.query("SELECT * FROM users WHERE id = ?", [user_id]), None))


def find_user(db: Database, username: str) -> dict | None:
    return next(db.query("SELECT * FROM users WHERE username = ?", [username.strip()]), None)


def list_users(db: Database) -> list[dict]:
    return list(db.query("SELECT id, username, role, active, created_at FROM users ORDER BY username"))


def authenticate(db: Database, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    row = find_user(db, username)
    if row is None or not row["active"] or not verify_password(row["password_hash"], password):
        return None
    return _from_row(row)


def create_user(db: Database, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("A username needs 1 to 64 characters.")
    if role not in ROLES:
        raise UserError(f"Role must be one of: {', '.join(ROLES)}.")
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
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


def set_active(db: Database, user_id: int, active: bool) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE users SET active = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?",
            [int(active), now_iso(), user_id],
        )


def reset_password(db: Database, user_id: int, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem)
    with write_transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1, updated_at = ?"
            " WHERE id = ?",
            [hash_password(password), now_iso(), user_id],
        )
