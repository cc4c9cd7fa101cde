"""Delete uploads that were started and never finished, once they are old enough.

A phone that stops half-way (a lost phone, a file removed from the answer) leaves a partial
file and an ``uploads`` row behind. After ``UPLOAD_ABANDON_HOURS`` without a byte (the
partial file's last write, else the upload's creation), both go. Nothing of value is lost:
a stored file is never touched (only ``partial/`` and unfinished rows are), and a phone that
comes back later finds its upload gone (``HEAD`` is 404), creates it again and sends the
file from the start; the record and the file are still on the phone until acknowledged.

Run by ``survey-app purge-uploads``, and by the server itself at most once an hour when an
upload is created (so a deployment without a timer still cleans up).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from ..db import write_transaction
from .storage import FileStore

log = logging.getLogger(__name__)

OPPORTUNISTIC_EVERY_S = 3600
_last_run = {"at": 0.0}
_lock = threading.Lock()


@dataclass
class Purged:
    uploads: int = 0
    bytes: int = 0


def _last_activity(store: FileStore, upload_id: str, created_at: str) -> datetime:
    created = datetime.fromisoformat(created_at)
    try:
        written = datetime.fromtimestamp(store.partial_path(upload_id).stat().st_mtime, UTC)
    except FileNotFoundError:
        return created
    return max(created, written)


def purge_abandoned(db: Database, store: FileStore, hours: float, now: datetime | None = None) -> Purged:
    """Delete every unfinished upload idle for more than ``hours``, and stray partial files."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(hours=max(1.0, float(hours)))  # 0 must not delete live uploads
    purged = Purged()
    rows = list(db.query("SELECT id, created_at FROM uploads WHERE completed_at IS NULL"))
    live = set()
    for row in rows:
        upload_id = row["id"]
        if _last_activity(store, upload_id, row["created_at"]) > cutoff:
            live.add(upload_id)
            continue
        with store.locked(upload_id):  # never under a chunk being written
            if _last_activity(store, upload_id, row["created_at"]) > cutoff:
                live.add(upload_id)
                continue
            with write_transaction(db):
                gone = db.execute("DELETE FROM uploads WHERE id = ? AND completed_at IS NULL", [upload_id])
            if gone.rowcount:
                purged.uploads += 1
                purged.bytes += store.received(upload_id)
            store.discard(upload_id)
    purged.bytes += _stray_partials(store, live, cutoff)
    if purged.uploads:
        log.info("purged %d abandoned uploads (%d bytes)", purged.uploads, purged.bytes)
    return purged


def _stray_partials(store: FileStore, live: set[str], cutoff: datetime) -> int:
    """Partial files no unfinished upload names (a crash between steps), once as old."""
    folder = store.root / "partial"
    if not folder.is_dir():
        return 0
    freed = 0
    for path in folder.iterdir():
        upload_id = path.name.removesuffix(".lock")
        if upload_id in live or not path.is_file():
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if datetime.fromtimestamp(stat.st_mtime, UTC) <= cutoff:
            freed += 0 if path.name.endswith(".lock") else stat.st_size
            Path(path).unlink(missing_ok=True)
    return freed


def purge_now_and_then(db: Database, store: FileStore, hours: float) -> None:
    """The opportunistic run: at most once an hour per process; a failure is only logged."""
    with _lock:
        if time.monotonic() - _last_run["at"] < OPPORTUNISTIC_EVERY_S and _last_run["at"]:
            return
        _last_run["at"] = time.monotonic()
    try:
        purge_abandoned(db, store, hours)
    except Exception:  # cleaning up must never cost the upload that triggered it
        log.exception("purging abandoned uploads failed")
