"""``survey-app backup`` and ``restore``: SQLite's own online backup, checked, never half-written.

Backup: one read transaction copies every page (``sqlite3.Connection.backup`` in a single
step), so the copy is one consistent moment of the database while phones keep syncing:
in WAL mode a reader blocks no writer. The copy is written beside the target, checked
(``PRAGMA integrity_check`` and ``foreign_key_check``), flushed to disk and only then
renamed into place: a crash leaves the old backup or the new one, never half of one.

Restore: refuses to overwrite a database that holds data unless forced, and then first
keeps a copy of it (restoring must not be how records are lost); copies the backup in
through the same backup API (correct even while a server has the file open) and runs the
migrations, so an older backup comes back at today's schema.

What a backup holds: the SQLite file, which is every record, account, link, review, audit
entry and the list of every attachment, and beside it ``PATH.files/``, every attachment
file that list names, verified by SHA-256 (``backup_files.py``, called by the commands).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .attachments.storage import fsync_path


class BackupError(Exception):
    """A backup or restore that must not go ahead; the message says why and what to do."""


@dataclass
class Copied:
    path: Path
    bytes: int
    submissions: int
    seconds: float


def _open(path: Path | str, busy_timeout_ms: int = 30000) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    return conn


def check(path: Path) -> int:
    """Integrity-check a database file; return its number of submissions."""
    conn = _open(path)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path} failed its integrity check: {'; '.join(result[:5])}")
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise BackupError(f"{path} has {len(broken)} broken references (foreign_key_check)")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "submissions" not in tables:
            raise BackupError(f"{path} is not a survey-app database (no submissions table)")
        return conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()


def backup(database: str | Path, target: str | Path) -> Copied:
    """Copy the live database to ``target`` consistently; checked before it replaces anything."""
    import time

    database, target = Path(database), Path(target)
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    if target.exists() and target.resolve() == database.resolve():
        raise BackupError("The backup must go to another file than the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    source, copy = _open(database), _open(partial)
    try:
        source.backup(copy)  # every page in one step: one read transaction, one moment
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()
    try:
        submissions = check(partial)
        fsync_path(partial)
        os.replace(partial, target)
        fsync_path(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Copied(target, target.stat().st_size, submissions, time.monotonic() - started)


def holds_data(database: Path) -> int | None:
    """How many submissions a database holds (None: no database there, or an empty file)."""
    if not database.exists() or database.stat().st_size == 0:
        return None
    conn = _open(database)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "submissions" not in tables:
            return 0
        return conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        conn.close()


def restore(source: str | Path, database: str | Path, force: bool = False) -> tuple[Copied, Path | None]:
    """Put a backup in place of ``database``; returns what was restored and the kept old copy."""
    import time

    source, database = Path(source), Path(database)
    if not source.exists():
        raise BackupError(f"There is no backup at {source}.")
    started = time.monotonic()
    submissions = check(source)
    existing = holds_data(database)
    kept = None
    if existing is not None:
        if not force:
            raise BackupError(
                f"{database} is a live database ({existing} submissions). Restoring would replace it:"
                " stop the server, then run again with --force (a copy of it is kept first)."
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = backup(database, database.with_name(f"{database.name}.before-restore-{stamp}")).path
    database.parent.mkdir(parents=True, exist_ok=True)
    backup_conn, live = _open(source), _open(database)
    try:
        backup_conn.backup(live)
    finally:
        live.close()
        backup_conn.close()
    return Copied(database, database.stat().st_size, submissions, time.monotonic() - started), kept
