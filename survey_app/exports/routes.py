"""Export downloads for coordinators, in every format; each is written to the audit log.

``GET /api/v1/surveys/<id>/submissions.<csv|xlsx|json|ndjson|geojson|sav|dta|zip>`` takes
the same filters as the submissions page and the summary (see ``records.filters``), plus
``labels=1`` and ``lang=`` for labels (CSV, XLSX, zip, SPSS, Stata), and ``deidentify=1``
with ``keep=`` (see ``exports/deidentify.py``). ``zip`` is CSV with each repeat group in
its own file. The body is streamed from
the export's own read snapshot, so memory stays flat however many records there are.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask_login import current_user

from ..auth.access import STAFF, access, bearer_token
from ..db import get_db
from ..timeutil import now_iso
from .service import audit_export, filename, prepare

bp = Blueprint("exports", __name__, url_prefix="/api/v1")


@bp.get("/surveys/<survey_id>/submissions.<any(csv, xlsx, json, ndjson, geojson, sav, dta, zip):fmt>")
@access(*STAFF)
def submissions_export(survey_id: str, fmt: str):
    """The filtered submissions of a survey (all versions) as a streamed download."""
    db = get_db()
    export = prepare(
        db,
        current_app.config["DATABASE"],
        survey_id,
        fmt,
        request.args,
        current_app.config["BUSY_TIMEOUT_MS"],
    )
    try:
        audit_export(db, current_user.id, export, via="api" if bearer_token() else "web")
    except BaseException:
        export.close()
        raise
    response = Response(export.chunks(), content_type=export.fmt.mimetype)
    response.call_on_close(export.close)
    stamp = now_iso()[:10]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(survey_id, fmt, stamp)}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Record-Count"] = str(export.count)
    return response
