"""Telling a storage fault (disk full, read-only, I/O) from a bug, for the error handler.

A phone that hears 500 thinks the server is broken; one that hears 503 with Retry-After
keeps its records and retries, which is exactly right when the disk is full or was
remounted read-only: nothing was written, and nothing will be until an operator acts.
The operator's log line says "storage problem" and which file, never what was sent.
"""

from __future__ import annotations

import errno
import logging
import sqlite3

log = logging.getLogger("survey_app.storage")

# SQLite's primary result codes for "the file system would not let me" (extended codes
# such as SQLITE_IOERR_WRITE or SQLITE_READONLY_DBMOVED share these prefixes).
SQLITE_STORAGE_CODES = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")
OS_STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}
RETRY_AFTER_SECONDS = 60  # an operator has to free space or remount: not seconds away


def is_storage_fault(exc: BaseException) -> bool:
    """True for SQLite or OS errors that mean the disk, not the request, is the problem."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        return name.startswith(SQLITE_STORAGE_CODES)
    return isinstance(exc, OSError) and exc.errno in OS_STORAGE_ERRNOS


def log_storage_fault(exc: BaseException, database: str) -> None:
    """One warning an operator can act on: what the storage said, and which database."""
    code = getattr(exc, "sqlite_errorname", None) or errno.errorcode.get(getattr(exc, "errno", 0), "")
    log.error("storage problem (%s: %s) on %s: free disk space or fix the mount", code, exc, database)
