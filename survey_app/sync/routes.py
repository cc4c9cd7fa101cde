"""The sync route: ``POST /api/v1/submissions``, a batch from a signed-in phone or client.

Parsing (``envelope``) and storing (``ingest``) live beside it; the public links' own
sync route (``links/api.py``) calls the same two with the link as the origin.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from ..attachments.media import with_missing_files
from ..auth.access import ALL_ROLES, access, bearer_token
from ..db import get_db
from .envelope import parse_batch, parse_json_body
from .ingest import Origin, ingest

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.post("/submissions")
@access(*ALL_ROLES)
def submissions():
    """Store a batch; every item answers stored, duplicate, conflict or quarantined."""
    items = parse_batch(parse_json_body(request.get_data()), current_app.config["MAX_BATCH_ITEMS"])
    source = "api" if bearer_token() else "web"
    results = ingest(get_db(), items, Origin(source, user_id=current_user.id))
    results = with_missing_files(get_db(), items, results)
    return jsonify({"ok": True, "results": results})
