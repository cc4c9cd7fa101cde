"""The attachments folder: content-addressed files, written durably.

Layout (all under one folder, so a backup copies it beside the database)::

    <root>/sha256/ab/abcdef...       one file per distinct content, named by its SHA-256
    <root>/partial/<upload id>       an upload in progress (bytes received so far)

A chunk is appended and fsync'ed before its offset is acknowledged. A finished upload is
hashed, and only if the hash matches is it fsync'ed and renamed into place (rename is
atomic on one file system), then the folder is fsync'ed, so a stored file is either whole
and verified or absent. A file is never rewritten: the same content has the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from flask import current_app

SHA256 = re.compile(r"^[0-9a-f]{64}$")
READ_BLOCK = 256 * 1024


def files_root(config=None) -> Path:
    """The attachments folder: the setting, else ``attachments`` beside the database."""
    config = config if config is not None else current_app.config
    configured = config.get("ATTACHMENTS_DIR") or ""
    return Path(configured) if configured else Path(config["DATABASE"]).resolve().parent / "attachments"


def fsync_path(path: Path) -> None:
    """fsync a file or a folder by its path (a folder, so a rename into it is durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """Read and write the attachments folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def content_path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / "sha256" / sha256[:2] / sha256

    def partial_path(self, upload_id: str) -> Path:
        return self.root / "partial" / upload_id

    def has(self, sha256: str) -> bool:
        return self.content_path(sha256).is_file()

    def received(self, upload_id: str) -> int:
        """Bytes of an upload received and made durable so far."""
        try:
            return self.partial_path(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    @contextlib.contextmanager
    def locked(self, upload_id: str) -> Iterator[None]:
        """Hold an upload's lock: two requests for one upload never write at once."""
        path = self.partial_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(str(path) + ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, upload_id: str, offset: int, chunk: bytes) -> int:
        """Write a chunk at ``offset`` (the bytes received so far) and fsync; the new offset.

        The caller holds the lock and has checked the offset. Bytes past ``offset`` (a
        write cut short by a crash) are cut off first, so the file is exactly what was
        acknowledged plus this chunk.
        """
        path = self.partial_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)
            os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        return offset + len(chunk)

    def digest_of_partial(self, upload_id: str) -> str:
        digest = hashlib.sha256()
        with open(self.partial_path(upload_id), "rb") as handle:
            while block := handle.read(READ_BLOCK):
                digest.update(block)
        return digest.hexdigest()

    def head_of(self, sha256: str, size: int = 512) -> bytes:
        with open(self.content_path(sha256), "rb") as handle:
            return handle.read(size)

    def commit(self, upload_id: str, sha256: str) -> bool:
        """Move a whole upload into place if its bytes hash to ``sha256``; False if not.

        A mismatch discards the partial bytes (the upload starts again from 0).
        """
        partial = self.partial_path(upload_id)
        if self.digest_of_partial(upload_id) != sha256:
            partial.unlink(missing_ok=True)
            return False
        target = self.content_path(sha256)
        if target.is_file():  # the same content is already stored: keep the one copy
            partial.unlink(missing_ok=True)
            return True
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
        fsync_path(target.parent)
        fsync_path(partial.parent)
        return True

    def discard(self, upload_id: str) -> None:
        self.partial_path(upload_id).unlink(missing_ok=True)
        Path(str(self.partial_path(upload_id)) + ".lock").unlink(missing_ok=True)
