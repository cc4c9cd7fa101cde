"""Attachment metadata in SQLite: uploads in progress, stored files, and their records.

Who may add a file to a record: the account (or public link) that sends the record. A
phone sends a record's files before the record, so the record may not exist yet; if it
does, a file from anyone but its sender is refused, and the refusal says nothing about
the record. Anonymous uploads keep the link only: no account, address or user agent.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlite_utils import Database

from ..db import write_transaction
from ..errors import AppError, Forbidden
from ..timeutil import now_iso

REFUSED = "Files can only be added to a record by the one who sends it."
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class TooLarge(AppError):
    status = 413


@dataclass(frozen=True)
class Uploader:
    """Who is uploading: an account, or a public link (anonymous)."""

    user_id: int | None = None
    link_id: int | None = None


@dataclass
class Upload:
    id: str
    submission_id: str
    survey_id: str
    name: str
    sha256: str
    length: int
    declared_type: str | None
    uploaded_by: int | None
    link_id: int | None
    completed_at: str | None

    def owned_by(self, who: Uploader) -> bool:
        if who.link_id is not None:
            return self.link_id == who.link_id
        return self.link_id is None and self.uploaded_by == who.user_id


def valid_name(name: str) -> bool:
    """A file name safe in a zip path and a header: letters, digits, ``.``, ``_``, ``-``."""
    return bool(NAME.match(name)) and ".." not in name


def get_upload(db: Database, upload_id: str) -> Upload | None:
    row = next(db.query("SELECT * FROM uploads WHERE id = ?", [upload_id]), None)
    if row is None:
        return None
    return Upload(**{k: row[k] for k in Upload.__dataclass_fields__})


def _check_sender(db: Database, submission_id: str, who: Uploader) -> None:
    row = db.execute("SELECT submitted_by, link_id FROM submissions WHERE id = ?", [submission_id]).fetchone()
    if row is None:
        return
    submitted_by, link_id = row
    if who.link_id is not None:
        same = link_id == who.link_id
    else:
        same = link_id is None and submitted_by == who.user_id
    if not same:
        raise Forbidden(REFUSED, {"submission": ["refused"]})


def _check_limits(db: Database, config, survey_id: str, submission_id: str, length: int) -> None:
    per_file = config["ATTACHMENT_MAX_FILE_BYTES"]
    if length > per_file:
        raise TooLarge(
            f"This file is {length} bytes; the most one file may be is {per_file}.",
            {"file": [f"at most {per_file} bytes"]},
        )
    record = db.execute(
        "SELECT COALESCE(sum(size), 0) FROM attachments WHERE submission_id = ?", [submission_id]
    ).fetchone()[0]
    pending = db.execute(
        "SELECT COALESCE(sum(length), 0) FROM uploads WHERE submission_id = ? AND completed_at IS NULL",
        [submission_id],
    ).fetchone()[0]
    per_record = config["ATTACHMENT_MAX_RECORD_BYTES"]
    if record + pending + length > per_record:
        raise TooLarge(
            f"This record's files would take more than {per_record} bytes.",
            {"record": [f"at most {per_record} bytes of files"]},
        )
    survey = db.execute(
        "SELECT COALESCE(sum(size), 0) FROM attachments WHERE survey_id = ?", [survey_id]
    ).fetchone()[0]
    per_survey = config["ATTACHMENT_MAX_SURVEY_BYTES"]
    if survey + length > per_survey:
        raise TooLarge(
            "This survey has no room for more files; tell your coordinator.",
            {"survey": [f"at most {per_survey} bytes of files"]},
        )


def create_upload(
    db: Database,
    config,
    who: Uploader,
    *,
    submission_id: str,
    survey_id: str,
    name: str,
    sha256: str,
    length: int,
    declared_type: str | None,
) -> tuple[Upload, bool]:
    """The upload for this record's file: an existing one (idempotent), or a new one.

    Returns (upload, created). The same record, name and hash always find the same
    upload, so a phone that lost the answer to its creation request simply asks again.
    """
    with write_transaction(db):
        row = db.execute(
            "SELECT id FROM uploads WHERE submission_id = ? AND name = ? AND sha256 = ?",
            [submission_id, name, sha256],
        ).fetchone()
        if row:
            upload = get_upload(db, row[0])
            if not upload.owned_by(who):
                raise Forbidden(REFUSED, {"submission": ["refused"]})
            return upload, False
        _check_sender(db, submission_id, who)
        bound = db.execute(
            "SELECT sha256 FROM attachments WHERE submission_id = ? AND name = ?", [submission_id, name]
        ).fetchone()
        if bound and bound[0] != sha256:
            raise AppError(
                "This record already has another file of that name; a file is never replaced.",
                {"name": ["already holds another file"]},
                status=409,
            )
        _check_limits(db, config, survey_id, submission_id, length)
        upload_id = secrets.token_urlsafe(18)
        db.execute(
            "INSERT INTO uploads (id, submission_id, survey_id, name, sha256, length, declared_type,"
            " uploaded_by, link_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                upload_id,
                submission_id,
                survey_id,
                name,
                sha256,
                length,
                declared_type,
                who.user_id,
                who.link_id,
                now_iso(),
            ],
        )
    return get_upload(db, upload_id), True


def complete_upload(db: Database, upload: Upload, media_type: str) -> None:
    """Record a verified, durably stored upload: its content, its binding to the record."""
    now = now_iso()
    with write_transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO files (sha256, size, media_type, stored_at) VALUES (?, ?, ?, ?)",
            [upload.sha256, upload.length, media_type, now],
        )
        db.execute(
            "INSERT OR IGNORE INTO attachments (submission_id, survey_id, name, sha256, size,"
            " declared_type, uploaded_by, link_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                upload.submission_id,
                upload.survey_id,
                upload.name,
                upload.sha256,
                upload.length,
                upload.declared_type,
                upload.uploaded_by,
                upload.link_id,
                now,
            ],
        )
        db.execute("UPDATE uploads SET completed_at = ? WHERE id = ?", [now, upload.id])
    upload.completed_at = now


def record_files(db: Database, submission_id: str) -> list[dict]:
    """A stored record's files, only those sent by the record's own sender."""
    return list(
        db.query(
            "SELECT a.name, a.sha256, a.size, a.declared_type, a.received_at, f.media_type"
            " FROM attachments a JOIN files f ON f.sha256 = a.sha256"
            " JOIN submissions s ON s.id = a.submission_id"
            " WHERE a.submission_id = ?"
            " AND ((s.link_id IS NOT NULL AND a.link_id = s.link_id)"
            "   OR (s.link_id IS NULL AND a.link_id IS NULL AND a.uploaded_by IS s.submitted_by))"
            " ORDER BY a.name",
            [submission_id],
        )
    )


def stored_names(db: Database, submission_ids: list[str]) -> dict[str, set[str]]:
    """Names of the files stored for each of these records."""
    found: dict[str, set[str]] = {}
    for start in range(0, len(submission_ids), 500):
        chunk = submission_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for sid, name in db.execute(
            f"SELECT submission_id, name FROM attachments WHERE submission_id IN ({marks})", chunk
        ):
            found.setdefault(sid, set()).add(name)
    return found
