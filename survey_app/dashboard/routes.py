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
from ..records.derived_index import refresh_before_read
from ..records.filters import parse_filters
from ..surveys.registry import get_definition
from . import views
from .questions import breakdown_options
from .summary import INCLUDE, Labels, summarise

bp = Blueprint("dashboard", __name__)
bp.before_request(refresh_before_read)  # index records synced since the last read

PAGE_PARAMS = ("survey", "lang", "include", "by", "questions")
SUMMARY_PARAMS = ("lang", "include", "by", "questions")


def _view_options(db, survey_id: str) -> dict:
    """``include``, ``by`` and ``questions`` of the request, checked (400 when wrong)."""
    include = request.args.get("include") or "accepted"
    if include not in INCLUDE:
        raise BadRequest("include is accepted or all.", {"include": [", ".join(INCLUDE)]})
    by = request.args.get("by") or None
    options = breakdown_options(db, survey_id)
    if by is not None and by not in options:
        raise BadRequest(f"This survey cannot be broken down by {by!r}.", {"by": options})
    questions = request.args.get("questions")
    if questions not in (None, "", "0", "1"):
        raise BadRequest("questions is 0 or 1.", {"questions": ["0", "1"]})
    shown = None if questions in (None, "") else questions == "1"
    if by is not None:
        shown = True
    return {"include": include, "by": by, "questions": shown}


def _group_labels(labels_db, survey_id: str, lang: str, summary: dict) -> dict[str, str]:
    """Labels of the breakdown's groups (a select question's choices, or the months)."""
    by = summary.get("by")
    if not by:
        return {}
    if by == "month":
        return {m["month"]: m["month"] for m in summary["over_time"]} or {}
    labels = Labels(labels_db, survey_id, lang)
    return {name: labels.choice(by, name) for name in labels.choices(by)}


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
    filters = parse_filters(db, survey_id, request.args, allowed_extra=SUMMARY_PARAMS)
    response = jsonify(summarise(db, filters, lang, **_view_options(db, survey_id)))
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
            view = _view_options(db, survey_id)
        except BadRequest as exc:
            context.update(filter_errors=exc.errors, filter_message=exc.message)
            status = 400
        else:
            summary = summarise(db, filters, lang, **view)
            groups = _group_labels(db, survey_id, lang, summary)
            context.update(
                filters=filters,
                summary=summary,
                view=view,
                breakdowns=_breakdown_choices(db, survey_id, lang),
                charts=views.charts(summary, groups),
            )
    return render_template("coordinator/dashboard.html", **context), status


def _breakdown_choices(db, survey_id: str, lang: str) -> list[tuple[str, str]]:
    """(value, label) of what the page offers to break the questions down by."""
    labels = Labels(db, survey_id, lang)
    return [(b, labels.question(b) if b != "month" else "month") for b in breakdown_options(db, survey_id)]
