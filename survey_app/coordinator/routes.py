"""Coordinators list what came in, per survey, and download it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..auth.access import STAFF, access
from ..db import get_db
from ..surveys.registry import list_surveys

bp = Blueprint("coordinator", __name__, url_prefix="/coordinate")

PAGE_SIZE = 50


@bp.get("/submissions")
@access(*STAFF)
def submissions():
    """The latest submissions of one survey, with counts and the export links."""
    db = get_db()
    surveys = list_surveys(db)
    survey_id = request.args.get("survey") or (surveys[0]["id"] if surveys else None)
    rows, counts = [], {}
    if survey_id:
        rows = list(
            db.query(
                "SELECT s.id, s.version, s.validation, s.review_state, s.has_conflict, s.source,"
                " s.received_at, u.username FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by"
                " WHERE s.survey_id = ? ORDER BY s.received_at DESC LIMIT ?",
                [survey_id, PAGE_SIZE],
            )
        )
        counts = {
            r["validation"]: r["n"]
            for r in db.query(
                "SELECT validation, count(*) AS n FROM submissions WHERE survey_id = ? GROUP BY validation",
                [survey_id],
            )
        }
    return render_template(
        "coordinator/submissions.html",
        surveys=surveys,
        survey_id=survey_id,
        rows=rows,
        counts=counts,
    )
