"""The attachment files of ``survey-app backup`` and ``restore``, beside the database copy.

A backup ``PATH`` gets a folder ``PATH.files/`` laid out like the attachments folder
(``sha256/ab/abcdef...``) holding every file the backup's own database names (its ``files``
table, read from the copy, so the files and the records are of the same moment: a file is
stored before its row is committed, so every file a copy names is on disk). Each file is
read once, hashed while it is copied, fsync'ed and renamed into place only if its SHA-256 is
its name; a file already in the folder with the right hash is kept (a daily backup to the
same ``PATH`` copies only what is new; a damaged copy there is replaced). Restore copies
them back into ``ATTACHMENTS_DIR`` the same way, verified, before the database is put in
place, so a restored database never names a file the folder lacks.

A file the database names that is missing or damaged in the source is reported (and the
command exits 1) rather than stopping the rest: the other files and the database are the
backup's whole value.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .attachments.storage import FileStore, fsync_path

BLOCK = 1024 * 1024


@dataclass
class FilesCopied:
    folder: Path
    copied: int = 0
    kept: int = 0  # already there, verified
    bytes: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"missing: {s}" for s in self.missing] + [
            f"damaged (hash differs): {s}" for s in self.damaged
        ]


def files_folder(backup_path: Path) -> Path:
    """Where a backup's files go: ``PATH.files`` beside it."""
    backup_path = Path(backup_path)
    return backup_path.with_name(backup_path.name + ".files")


def named_files(database: Path) -> list[tuple[str, int]]:
    """(sha256, size) of every file a database names; none in a database before attachments."""
    conn = sqlite3.connect(str(database))
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "files" not in tables:
            return []
        return [(row[0], row[1]) for row in conn.execute("SELECT sha256, size FROM files ORDER BY sha256")]
    finally:
        conn.close()


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _copy_verified(source: Path, target: Path, sha256: str) -> bool:
    """Copy ``source`` to ``target`` durably if its bytes hash to ``sha256``; False if not."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with open(source, "rb") as reader, open(partial, "wb") as writer:
            while block := reader.read(BLOCK):
                digest.update(block)
                writer.write(block)
            writer.flush()
            os.fsync(writer.fileno())
        if digest.hexdigest() != sha256:
            return False
        os.replace(partial, target)
        fsync_path(target.parent)
        return True
    finally:
        partial.unlink(missing_ok=True)


def copy_files(database: Path, source_root: Path, target_root: Path) -> FilesCopied:
    """Copy every file ``database`` names from ``source_root`` to ``target_root``, verified."""
    result = FilesCopied(Path(target_root))
    source_store, target_store = FileStore(source_root), FileStore(target_root)
    for sha256, _size in named_files(database):
        try:
            target = target_store.content_path(sha256)
        except ValueError:  # not a SHA-256: no file can be found under that name
            result.missing.append(sha256)
            continue
        if target.is_file() and _digest(target) == sha256:
            result.kept += 1
            continue
        source = source_store.content_path(sha256)
        if not source.is_file():
            result.missing.append(sha256)
            continue
        if not _copy_verified(source, target, sha256):
            result.damaged.append(sha256)
            continue
        result.copied += 1
        result.bytes += target.stat().st_size
    return result
