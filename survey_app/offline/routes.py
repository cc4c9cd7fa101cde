"""Routes of the offline client: the worker at the root scope, the manifest, the list of
URLs to keep offline, and the import of phones' backup files (API and page)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_login import current_user

from ..auth.access import ANYONE, STAFF, access
from ..db import get_db
from ..errors import AppError, BadRequest
from .forms import ImportForm
from .importing import import_items, read_backup
from .release import WORKER_FILE, page_urls, release_id, shell_urls

bp = Blueprint("offline", __name__)

ICONS = [
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
    {
        "src": "/static/icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
    {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
]


@bp.get("/sw.js")
@access(ANYONE)
def service_worker():
    """The service worker, from the root scope, stamped with the release id.

    ``no-cache`` makes browsers check for a new release on every visit; the release id
    in the body is what makes a changed release a changed worker.
    """
    body = WORKER_FILE.read_text(encoding="utf-8").replace('"__RELEASE__"', json.dumps(release_id()))
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@access(ANYONE)
def manifest():
    """The web app manifest: name, colours and icons (maskable too) to install the app."""
    body = {
        "id": "/",
        "name": "Listening sessions",
        "short_name": "Listening",
        "description": "Record community listening sessions, offline.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d2e",
        "icons": ICONS,
    }
    response = Response(json.dumps(body, indent=1), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/v1/offline/precache")
@access(ANYONE)
def precache():
    """What the worker keeps: the app shell for anyone, plus the pages of a signed-in account.

    Public so that a worker installed before sign-in still gets the shell; the pages are
    rendered for the account and dropped from the phone when it signs out.
    """
    signed_in = current_user.is_authenticated
    response = jsonify(
        {
            "ok": True,
            "release": release_id(),
            "user": current_user.username if signed_in else None,
            "shell": shell_urls(get_db() if signed_in else None),
            "pages": page_urls(get_db()) if signed_in else [],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _uploaded_bytes() -> tuple[bytes, str]:
    """The backup file, sent as a multipart ``file`` field or as the raw JSON body."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename or ""
    return request.get_data(), ""


def _import_files(raw: bytes, items: list[dict]) -> None:
    from ..attachments.backup import backup_files, store_backup_files
    from ..attachments.storage import FileStore, files_root

    files = backup_files(raw, items)
    if files:
        store_backup_files(get_db(), current_app.config, FileStore(files_root()), current_user.id, files)


@bp.post("/api/v1/submissions/import")
@access(*STAFF)
def import_api():
    """Import a phone's backup file; answers one sync result per record, plus counts."""
    raw, filename = _uploaded_bytes()
    return jsonify({"ok": True, **_import_backup(raw, filename)})


def _import_backup(raw: bytes, filename: str) -> dict:
    """One backup file in: its records' files first (as a phone sends them), then the records."""
    backup = read_backup(raw)
    _import_files(raw, backup.items)
    outcome = import_items(
        get_db(),
        backup.items,
        current_user.id,
        current_app.config["MAX_BATCH_ITEMS"],
        filename,
        backup.account,
    )
    return {**outcome, "drafts_ignored": backup.drafts}


@bp.route("/coordinate/import", methods=["GET", "POST"])
@access(*STAFF)
def import_page():
    """Upload a backup file from a phone that could not sync; shows what happened to each."""
    form = ImportForm()
    outcome, problem, status = None, None, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            outcome = _import_backup(upload.read(), upload.filename or "")
        except BadRequest as exc:
            problem, status = exc, exc.status
    elif request.method == "POST":
        status = 400
    return (
        render_template("offline/import.html", form=form, outcome=outcome, problem=problem),
        status,
    )


def _flatten(errors, prefix: str = "") -> list[str]:
    """Nested marshmallow messages as readable lines (``submissions.3.id: ...``)."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            lines += _flatten(value, f"{prefix}{key}." if prefix or key else "")
        return lines
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{prefix.rstrip('.')}: {' '.join(errors)}" if prefix else " ".join(errors)]
    return [f"{prefix.rstrip('.')}: {errors}"]


@bp.app_template_filter("error_lines")
def error_lines(error: AppError) -> list[str]:
    return _flatten(error.errors)
