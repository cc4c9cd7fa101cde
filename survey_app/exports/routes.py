"""Export downloads for coordinators; each export is written to the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from flask_login import current_user

from .. import audit
from ..auth.access import STAFF, access
from ..db import connect, get_db, write_transaction
from ..errors import NotFound
from ..surveys.registry import current_version
from .csv_export import csv_lines

bp = Blueprint("exports", __name__, url_prefix="/api/v1")


@bp.get("/surveys/<survey_id>/submissions.csv")
@access(*STAFF)
def submissions_csv(survey_id: str):
    """Every submission of a survey (all versions), one row each, streamed."""
    db = get_db()
    if current_version(db, survey_id) is None:
        raise NotFound(f"There is no survey {survey_id!r}.")
    count = db.execute(
        "SELECT count(*) FROM submissions WHERE survey_id = ?", [survey_id]
    ).fetchone()[0]
    with write_transaction(db):
        audit.record(
            db, "export", current_user.id, survey_id, format="csv", records=count, filters={}
        )
    response = Response(_streamed(csv_lines, survey_id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{survey_id}.csv"'
    return response


def _streamed(produce, survey_id: str):
    """Run an export on its own connection: the request's one closes before streaming ends."""
    database, timeout = current_app.config["DATABASE"], current_app.config["BUSY_TIMEOUT_MS"]

    def generate():
        db = connect(database, timeout)
        try:
            yield from produce(db, survey_id)
        finally:
            db.close()

    return generate()
