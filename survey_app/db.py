"""SQLite connections, opened lazily per request and configured by the storage rules.

Rules (see DESIGN.md): WAL, foreign keys, a busy timeout, ``BEGIN IMMEDIATE`` for every
write transaction (a deferred transaction that later upgrades to a write fails at once
under load) and ``synchronous=FULL`` so an acknowledged submission survives a power cut.
No connection is opened at import time or before gunicorn forks.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from flask import Flask, current_app, g
from sqlite_utils import Database


def connect(path: str, busy_timeout_ms: int = 5000) -> Database:
    """Open a database file with the pragmas every connection needs."""
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    db.execute("PRAGMA synchronous=FULL")
    return db


def get_db() -> Database:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"], current_app.config["BUSY_TIMEOUT_MS"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Run a block as one ``BEGIN IMMEDIATE`` transaction: all of it commits, or none.

    Taking the write lock up front means a busy database is detected before any work
    is done, and the caller can answer 503 instead of failing half-way.
    """
    if db.conn.in_transaction:
        with db.atomic():  # nested: a savepoint inside the outer write transaction
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def sqlite_version() -> str:
    return sqlite3.sqlite_version


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
