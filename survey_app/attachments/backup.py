"""A phone's backup file carries its records' files; importing it stores them first.

The phone writes ``"files": [{"record", "name", "sha256", "type", "data"}]`` beside
``"submissions"`` (``data`` is the file's bytes in base64). Each file is checked against
its SHA-256 and its record (one of the file's submissions) before anything is stored, then
stored exactly as an upload would be, bound to the record under the importing account,
the one the records are imported under. Importing the same file twice adds nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets

from flask import Flask, request

from ..errors import BadRequest
from .media import sniff
from .model import Uploader, complete_upload, create_upload, valid_name
from .storage import FileStore

IMPORT_ENDPOINTS = {"offline.import_api", "offline.import_page"}


def backup_files(raw: bytes, items: list[dict]) -> list[dict]:
    """The files of a backup, decoded and verified; a broken one refuses the whole file."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []  # read_backup has already refused a file that is not JSON
    listed = body.get("files") if isinstance(body, dict) else None
    if not listed:
        return []
    if not isinstance(listed, list):
        raise BadRequest("The backup's files are not a list.", {"files": ["a list"]})
    records = {item["id"]: item for item in items}
    found, errors = [], {}
    for index, entry in enumerate(listed):
        problem = None
        if not isinstance(entry, dict):
            problem = "not an object"
        elif str(entry.get("record", "")).lower() not in records:
            problem = "its record is not in this file"
        elif not valid_name(str(entry.get("name", ""))):
            problem = "not a plain file name"
        else:
            try:
                data = base64.b64decode(str(entry.get("data", "")), validate=True)
            except binascii.Error:
                problem = "its data is not base64"
            else:
                if hashlib.sha256(data).hexdigest() != str(entry.get("sha256", "")).lower():
                    problem = "its bytes do not match its SHA-256"
                else:
                    record = records[entry["record"].lower()]
                    found.append(
                        {"record": record, "name": entry["name"], "data": data, "type": entry.get("type")}
                    )
        if problem:
            errors[str(index)] = [problem]
    if errors:
        raise BadRequest(
            "Some files in the backup cannot be stored; nothing was imported.", {"files": errors}
        )
    return found


def store_backup_files(db, config, store: FileStore, user_id: int, files: list[dict]) -> int:
    """Store the backup's files (before its records); returns how many were new."""
    who = Uploader(user_id=user_id)
    added = 0
    for entry in files:
        data, record = entry["data"], entry["record"]
        digest = hashlib.sha256(data).hexdigest()
        upload, _created = create_upload(
            db,
            config,
            who,
            submission_id=record["id"],
            survey_id=record["survey"],
            name=entry["name"],
            sha256=digest,
            length=len(data),
            declared_type=(str(entry.get("type") or ""))[:100] or None,
        )
        if upload.completed_at:
            continue
        temp = "backup-" + secrets.token_urlsafe(12)
        store.append(temp, 0, data)
        store.commit(temp, digest)
        store.discard(temp)
        complete_upload(db, upload, sniff(data[:512]))
        added += 1
    return added


def init_app(app: Flask) -> None:
    """Backup files carry photos: their import may be as large as a record's files allow.

    Runs before every other request hook (the CSRF check reads the body), and only for
    the two import routes; every other route keeps ``MAX_BODY_BYTES``.
    """

    def larger_body_for_imports():
        if request.endpoint in IMPORT_ENDPOINTS:
            request.max_content_length = (
                app.config["MAX_BODY_BYTES"] + app.config["ATTACHMENT_MAX_RECORD_BYTES"]
            )

    app.before_request_funcs.setdefault(None, []).insert(0, larger_body_for_imports)
