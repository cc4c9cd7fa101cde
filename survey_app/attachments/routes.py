"""Upload endpoints (tus subset) for accounts and public links, and coordinators' files.

- ``POST /api/v1/files`` creates (or finds again) the upload of one record's file;
  ``HEAD`` / ``PATCH /api/v1/files/<upload id>`` read the offset and append a chunk.
  Signed-in accounts only: the session cookie plus ``X-CSRFToken``, or a Bearer token.
- ``/api/v1/links/<token>/files[/<upload id>]``: the same for a public link; the token is
  the credential, for that link's records only, and nothing identifying is kept.
- ``GET /coordinate/submissions/<id>/files/<name>``: a record's file, for coordinators,
  always as a download (``Content-Disposition: attachment``, ``nosniff``, a sandbox CSP);
  only verified raster images and audio get their own type, so an ``<img>`` or ``<audio>``
  on the record page can show them; everything else is ``application/octet-stream``.
- ``GET /api/v1/surveys/<id>/media.zip``: every file of the filtered records, streamed.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user

from ..auth.access import ALL_ROLES, ANYONE, STAFF, access, bearer_token
from ..db import get_db
from ..errors import AppError, BadRequest, Forbidden, NotFound
from ..links.model import find_by_token
from ..links.public import token_is_credential
from ..links.ratelimit import pages_per_addr
from ..surveys.registry import current_version
from ..timeutil import now_iso
from . import tus
from .cleanup import purge_now_and_then
from .media import OCTET, sniff, stored_file_response
from .model import Upload, Uploader, complete_upload, create_upload, get_upload, record_files, valid_name
from .storage import SHA256, FileStore, files_root

bp = Blueprint("attachments", __name__)


def _store() -> FileStore:
    return FileStore(files_root())


def _account() -> Uploader:
    return Uploader(user_id=current_user.id)


def _link_uploader(token: str) -> tuple[Uploader, str]:
    link = find_by_token(get_db(), token)
    if link is None:
        raise NotFound("This link does not exist.", {"link": ["unknown"]})
    if link.state == "revoked":
        raise Forbidden("This link was withdrawn.", {"link": ["revoked"]})
    return Uploader(link_id=link.id), link.survey_id


def _create(who: Uploader, link_survey: str | None, location) -> Response:
    """tus creation: check the metadata and limits, answer the upload's URL and offset."""
    tus.check_version()
    meta = tus.parse_metadata(request.headers.get("Upload-Metadata", ""))
    length = tus.integer_header("Upload-Length")
    submission = meta.get("submission", "")
    try:
        if str(uuid.UUID(submission)) != submission.lower():
            raise ValueError
    except ValueError as exc:
        raise BadRequest("Metadata 'submission' must be a record's UUID.", {"submission": ["uuid"]}) from exc
    submission = submission.lower()
    name = meta.get("name") or meta.get("filename") or ""
    if not valid_name(name):
        raise BadRequest("Metadata 'name' must be a plain file name.", {"name": ["letters, digits, . _ -"]})
    sha256 = meta.get("sha256", "").lower()
    if not SHA256.match(sha256):
        raise BadRequest("Metadata 'sha256' must be the file's SHA-256 (hex).", {"sha256": ["64 hex digits"]})
    survey = meta.get("survey") or link_survey or ""
    if link_survey is not None and survey != link_survey:
        raise Forbidden("This link takes files for its own survey only.", {"survey": ["wrong survey"]})
    if current_version(get_db(), survey) is None:
        raise BadRequest("Metadata 'survey' must name a survey.", {"survey": ["unknown"]})
    declared = (meta.get("filetype") or "")[:100] or None
    upload, created = create_upload(
        get_db(),
        current_app.config,
        who,
        submission_id=submission,
        survey_id=survey,
        name=name,
        sha256=sha256,
        length=length,
        declared_type=declared,
    )
    if created:  # now and then, the uploads phones never finished go (cleanup.py)
        purge_now_and_then(get_db(), _store(), current_app.config["UPLOAD_ABANDON_HOURS"])
    offset = _offset(upload)
    response = jsonify({"ok": True, "upload": upload.id, "offset": offset, "complete": offset == length})
    response.status_code = 201 if created else 200
    response.headers["Location"] = location(upload.id)
    return tus.headers(response, Upload_Offset=offset, Upload_Length=length)


def _offset(upload: Upload) -> int:
    if upload.completed_at:
        return upload.length
    received = _store().received(upload.id)
    return min(received, upload.length)


def _owned(upload_id: str, who: Uploader) -> Upload:
    upload = get_upload(get_db(), upload_id)
    if upload is None or not upload.owned_by(who):
        raise NotFound("There is no such upload.", {"upload": ["unknown"]})
    return upload


def _finish(store: FileStore, upload: Upload) -> None:
    """The last byte is in: verify the whole file's hash, store it, record it (durably)."""
    if not store.commit(upload.id, upload.sha256):
        raise AppError(
            "The file's bytes do not match its SHA-256; the upload starts again from 0.",
            {"sha256": ["mismatch"]},
            status=422,
        )
    complete_upload(get_db(), upload, sniff(store.head_of(upload.sha256)))
    store.discard(upload.id)


def _head(upload_id: str, who: Uploader) -> Response:
    tus.check_version()
    store = _store()
    upload = _owned(upload_id, who)
    if not upload.completed_at and store.received(upload.id) >= upload.length:
        with store.locked(upload.id):  # whole but not verified yet (an interrupted finish)
            upload = _owned(upload_id, who)
            if not upload.completed_at:
                _finish(store, upload)
    response = Response(status=200)
    return tus.headers(response, Upload_Offset=_offset(upload), Upload_Length=upload.length)


def _patch(upload_id: str, who: Uploader) -> Response:
    """Append one chunk at the offset the server holds; the last one is verified first."""
    tus.check_version()
    if request.mimetype != tus.CHUNK_TYPE:
        raise AppError(f"Send chunks as {tus.CHUNK_TYPE}.", {"Content-Type": [tus.CHUNK_TYPE]}, status=415)
    offset = tus.integer_header("Upload-Offset")
    upload = _owned(upload_id, who)
    chunk = request.get_data(cache=False)
    tus.check_chunk(chunk)
    store = _store()
    with store.locked(upload.id):
        upload = _owned(upload_id, who)
        if upload.completed_at:
            if offset + len(chunk) == upload.length or offset == upload.length:
                return tus.headers(Response(status=204), Upload_Offset=upload.length)  # a replay
            return _conflict(upload.length)
        received = store.received(upload.id)
        if offset != received:
            return _conflict(received)
        if offset + len(chunk) > upload.length:
            raise BadRequest("The chunk goes past Upload-Length.", {"chunk": ["too long"]})
        new_offset = store.append(upload.id, offset, chunk)
        if new_offset == upload.length:
            _finish(store, upload)
    return tus.headers(Response(status=204), Upload_Offset=new_offset)


def _conflict(offset: int) -> Response:
    response = jsonify(
        {
            "ok": False,
            "error": "Upload-Offset differs from the bytes received; ask HEAD and resume there.",
            "errors": {"Upload-Offset": [str(offset)]},
            "status": 409,
        }
    )
    response.status_code = 409
    return tus.headers(response, Upload_Offset=offset)


# ---- signed-in accounts ----


@bp.post("/api/v1/files")
@access(*ALL_ROLES)
def create():
    """Create (or find again) the upload of one record's file."""
    return _create(_account(), None, lambda uid: url_for("attachments.upload", upload_id=uid))


@bp.route("/api/v1/files/<upload_id>", methods=["HEAD", "PATCH"])
@access(*ALL_ROLES)
def upload(upload_id: str):
    """HEAD: the bytes received so far. PATCH: append a chunk at that offset."""
    if request.method == "HEAD":
        return _head(upload_id, _account())
    return _patch(upload_id, _account())


# ---- public links (the token in the URL is the credential) ----


@bp.post("/api/v1/links/<token>/files")
@token_is_credential
@access(ANYONE)  # the token authorises files of its own survey's records only
@pages_per_addr
def link_create(token: str):
    """Create (or find again) the upload of one of this link's records' files."""
    who, survey = _link_uploader(token)
    return _create(who, survey, lambda uid: url_for("attachments.link_upload", token=token, upload_id=uid))


@bp.route("/api/v1/links/<token>/files/<upload_id>", methods=["HEAD", "PATCH"])
@token_is_credential
@access(ANYONE)  # the token authorises its own uploads only
@pages_per_addr
def link_upload(token: str, upload_id: str):
    """HEAD: the bytes received so far. PATCH: append a chunk at that offset."""
    who, _survey = _link_uploader(token)
    if request.method == "HEAD":
        return _head(upload_id, who)
    return _patch(upload_id, who)


# ---- coordinators ----


@bp.get("/coordinate/submissions/<submission_id>/files/<name>")
@access(*STAFF)
def download(submission_id: str, name: str):
    """One file of a record, always as a download; never HTML or SVG from this origin."""
    found = next((row for row in record_files(get_db(), submission_id) if row["name"] == name), None)
    path = _store().content_path(found["sha256"]) if found else None
    if found is None or not path.is_file():
        raise NotFound("This record has no such file.")
    return stored_file_response(
        path, name, found["media_type"] or OCTET, as_attachment=True, cache_control="private, no-cache"
    )


@bp.get("/api/v1/surveys/<survey_id>/media.zip")
@access(*STAFF)
def media_zip(survey_id: str):
    """Every file of the filtered records (the export filters), as one streamed zip."""
    from ..exports.service import audit_export, filename, prepare

    db = get_db()
    export = prepare(
        db,
        current_app.config["DATABASE"],
        survey_id,
        "media",
        request.args,
        current_app.config["BUSY_TIMEOUT_MS"],
        files_root=files_root(),
    )
    try:
        audit_export(db, current_user.id, export, via="api" if bearer_token() else "web")
    except BaseException:
        export.close()
        raise
    response = Response(export.chunks(), content_type="application/zip")
    response.call_on_close(export.close)
    name = filename(survey_id, "media.zip", now_iso()[:10])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Record-Count"] = str(export.count)
    return response
