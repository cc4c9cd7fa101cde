"""The dashboard page and its numbers as JSON (``GET /api/v1/surveys/<id>/summary``).

Both take the filters of the submissions page; the page is plain HTML with inline SVG
charts (no JavaScript, no chart library), each followed by the table of its numbers.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..auth.access import STAFF, access
from ..coordinator.options import LANGUAGE_NAMES, filter_options, page_language, page_survey
from ..db import get_db
from ..errors import BadRequest, NotFound
from ..review.derived_index import refresh_before_read
from ..review.filters import parse_filters
from ..surveys.registry import get_definition
from . import views
from .summary import summarise

bp = Blueprint("dashboard", __name__)
bp.before_request(refresh_before_read)  # index records synced since the last read

PAGE_PARAMS = ("survey", "lang")


@bp.get("/api/v1/surveys/<survey_id>/summary")
@access(*STAFF)
def summary_api(survey_id: str):
    """The dashboard's numbers for a survey and filters (the same query parameters)."""
    db = get_db()
    definition = get_definition(db, survey_id)
    if definition is None:
        raise NotFound(f"There is no survey {survey_id!r}.")
    languages = definition.get("languages") or [definition["default_language"]]
    lang = request.args.get("lang") or definition["default_language"]
    if lang not in languages:
        raise BadRequest(f"This survey has no language {lang!r}.", {"lang": [", ".join(languages)]})
    filters = parse_filters(db, survey_id, request.args, allowed_extra=("lang",))
    response = jsonify(summarise(db, filters, lang))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/coordinate/dashboard")
@access(*STAFF)
def dashboard():
    """Sessions, people reached, concerns, trust and networks, for the chosen filters."""
    db = get_db()
    surveys, survey_id, definition = page_survey(db)
    lang = page_language(definition)
    context = {
        "surveys": surveys,
        "survey_id": survey_id,
        "definition": definition,
        "lang": lang,
        "languages": LANGUAGE_NAMES,
        "filters": None,
        "summary": None,
        "charts": None,
    }
    status = 200
    if survey_id:
        context["options"] = filter_options(db, survey_id, lang)
        try:
            filters = parse_filters(db, survey_id, request.args, allowed_extra=PAGE_PARAMS)
        except BadRequest as exc:
            context.update(filter_errors=exc.errors, filter_message=exc.message)
            status = 400
        else:
            summary = summarise(db, filters, lang)
            context.update(filters=filters, summary=summary, charts=views.charts(summary))
    return render_template("coordinator/dashboard.html", **context), status
