"""SQLite connections, opened lazily per request and configured by the storage rules.

Rules (see DESIGN.md): WAL, foreign keys, a busy timeout, ``BEGIN IMMEDIATE`` for every
write transaction (a deferred transaction that later upgrades to a write fails at once
under load) and ``synchronous=FULL`` so an acknowledged submission survives a power cut.
No connection is opened at import time or before gunicorn forks.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator

from flask import Flask, current_app, g
from sqlite_utils import Database

# After a checkpoint has copied the whole WAL back, the next writer starts it over and cuts the
# file down to this size: a WAL that a long export let grow to hundreds of MB shrinks again.
JOURNAL_SIZE_LIMIT = 32 * 1024 * 1024


def connect(path: str, busy_timeout_ms: int = 5000) -> Database:
    """Open a database file with the pragmas every connection needs."""
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, check_same_thread=False)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    return db


def get_db() -> Database:
    """Return this thread's connection to the app's database, opening it on first use.

    Connections are kept per thread and reused across requests: opening one costs its
    pragmas, and closing the last one checkpoints the whole WAL, which made every sync
    request pay for both. A thread keeps at most a few (tests use many databases).
    """
    if "db" not in g:
        g.db = _thread_connection(current_app.config["DATABASE"], current_app.config["BUSY_TIMEOUT_MS"])
    return g.db


_local = threading.local()
_PER_THREAD = 2


def _thread_connection(path: str, busy_timeout_ms: int) -> Database:
    pool: dict[str, Database] = getattr(_local, "pool", None) or {}
    _local.pool = pool
    db = pool.pop(path, None)
    if db is None:
        db = connect(path, busy_timeout_ms)
        while len(pool) >= _PER_THREAD:
            pool.pop(next(iter(pool))).close()
    pool[path] = db  # most recently used last
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    return db


def close_db(_exc: BaseException | None = None) -> None:
    """End of request: never leave a transaction open on a connection kept for reuse."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def close_thread_connections() -> None:
    """Close this thread's kept connections (tests, and a worker shutting down)."""
    for db in (getattr(_local, "pool", None) or {}).values():
        db.close()
    _local.pool = {}


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
    begin_immediate(db.conn)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


# Between two tries for the write lock: short, since a write holds it for a millisecond or
# two (a batch of 50 records, then its fsync).
FIRST_RETRY_S = 0.0002
LONGEST_RETRY_S = 0.002


def begin_immediate(conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, tried again every fraction of a millisecond while another
    connection writes, until the connection's busy timeout has passed (then it raises
    SQLite's "database is locked", as before, and the caller answers 503).

    Why not SQLite's own busy handler: it sleeps 1, 2, 5, 10 ... 100 ms between tries,
    however short the other write. Under a burst of syncs (bench/bench_ingest.py) a
    writer slept 25 to 240 ms while the lock stood free most of that time, and phones
    spent a third of each sync asleep. Reads are left to the busy timeout as they are.
    """
    timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        pause = FIRST_RETRY_S
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LONGEST_RETRY_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # an extended code: SQLITE_BUSY_* too
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return "database is locked" in str(exc)


def sqlite_version() -> str:
    return sqlite3.sqlite_version


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
