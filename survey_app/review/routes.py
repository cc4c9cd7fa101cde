"""Review pages: the queues, a review decision, a correction, a conflict decision.

Every POST is a flask-wtf form (CSRF checked); every change lands in the record's
history. After a decision the coordinator goes back to the record (or the queue).
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import storedjson
from ..auth.access import STAFF, access
from ..capture.formdata import form_answers, with_extra_instance
from ..capture.prefill import as_sent_order
from ..db import get_db
from ..errors import BadRequest, NotFound
from ..records.derived_index import pending_count, refresh_before_read
from ..records.review_states import STATE_LABELS
from ..surveys.registry import get_definition
from . import queues, reopen
from .conflicts import resolve
from .corrections import correct, parse_answers
from .forms import CorrectionForm, ResolveForm, ReviewForm
from .labels import labelled
from .states import MAX_COMMENT, set_state

bp = Blueprint("review", __name__, url_prefix="/coordinate")
bp.before_request(refresh_before_read)  # index records synced since the last read


def _form_errors(form) -> dict[str, list[str]]:
    return {name: list(messages) for name, messages in form.errors.items()}


@bp.get("")
@access(*STAFF)
def landing():
    """A coordinator's first page: safeguarding flags first (the form asks facilitators to
    phone them in the same day), then new records, quarantine and conflicts."""
    db = get_db()
    return render_template(
        "coordinator/landing.html",
        safeguarding=labelled(db, queues.safeguarding(db, limit=20)),
        new=labelled(db, queues.new_records(db)),
        quarantined=labelled(db, queues.quarantined(db, limit=10)),
        conflicts=labelled(db, queues.conflicts(db, limit=10)),
        pending=pending_count(db),
        active="landing",
        survey_id=request.args.get("survey"),
        filters=None,
    )


@bp.get("/review")
@access(*STAFF)
def queues_page():
    """Quarantined records, open conflicts and safeguarding flags, newest first."""
    db = get_db()
    return render_template(
        "coordinator/review.html",
        quarantined=labelled(db, queues.quarantined(db)),
        conflicts=labelled(db, queues.conflicts(db)),
        safeguarding=labelled(db, queues.safeguarding(db)),
        active="review",
        survey_id=request.args.get("survey"),
        filters=None,
    )


@bp.post("/submissions/<submission_id>/review")
@access(*STAFF)
def review(submission_id: str):
    """Set a record's review state, with an optional comment kept in its history."""
    form = ReviewForm()
    if not form.validate_on_submit():
        raise BadRequest(gettext("Choose a review state."), _form_errors(form))
    change = set_state(get_db(), submission_id, form.state.data, form.comment.data, current_user.id)
    flash(gettext("Review saved: %(state)s.", state=STATE_LABELS[change.to_state]))
    return redirect(url_for("coordinator.submission", submission_id=submission_id))


@bp.route("/submissions/<submission_id>/correct", methods=["GET", "POST"])
@access(*STAFF)
def correction(submission_id: str):
    """Correct a quarantined record's answers; saved only once they pass validation."""
    db = get_db()
    record = next(db.query("SELECT * FROM submissions WHERE id = ?", [submission_id]), None)
    if record is None:
        raise NotFound("There is no such submission.")
    form = CorrectionForm()
    problems = storedjson.load(record["errors"], default={})
    status = 200
    if request.method == "GET":
        # Exactly what is stored, in readable JSON (a lone surrogate keeps its \u escape, so
        # the coordinator sees and can fix it).
        try:
            form.answers.data = storedjson.readable(json.loads(record["data"]), indent=2)
        except (ValueError, RecursionError):
            form.answers.data = record["data"]
    elif not form.validate_on_submit():
        problems, status = _form_errors(form), 400
    else:
        answers, problems = parse_answers(form.answers.data)
        if not problems:
            problems = correct(db, submission_id, answers, form.comment.data, current_user.id)
            if not problems:
                flash(
                    gettext("Correction saved: the record is valid now, and its original answers are kept.")
                )
                return redirect(url_for("coordinator.submission", submission_id=submission_id))
        status = 400
    return (
        render_template(
            "coordinator/correct.html",
            record=record,
            definition=get_definition(db, record["survey_id"], record["version"]),
            form=form,
            problems=problems,
            posted=request.method == "POST",
        ),
        status,
    )


@bp.route("/submissions/<submission_id>/edit", methods=["GET", "POST"])
@access(*STAFF)
def edit(submission_id: str):
    """Reopen a record in its own form page (the phone's form and script), prefilled with
    its answers; a posted correction is validated as a sync is, and saved with the original
    kept (:func:`corrections.correct`). Without JavaScript the page posts here as well."""
    db = get_db()
    record = next(db.query("SELECT * FROM submissions WHERE id = ?", [submission_id]), None)
    if record is None:
        raise NotFound(gettext("There is no such submission."))
    definition = get_definition(db, record["survey_id"], record["version"])
    data = storedjson.load(record["data"], default=None)
    if definition is None or not isinstance(data, dict):
        flash(gettext("This record cannot be shown in its form: correct its answers as JSON."))
        return redirect(url_for("review.correction", submission_id=submission_id))
    reopened = reopen.Reopened(record, definition, data)
    if request.method == "GET":
        return reopen.page(reopened, reopen.form_values(definition, data), reopened.stored_errors())
    form = request.form
    if form.get("_add_repeat"):
        return reopen.page(reopened, with_extra_instance(form), {})
    comment = form.get("_comment", "").strip()
    if len(comment) > MAX_COMMENT:
        raise BadRequest(
            gettext("The comment is too long."), {"_comment": [f"at most {MAX_COMMENT} characters"]}
        )
    answers = as_sent_order(form_answers(definition, form), data)
    problems = correct(db, submission_id, answers, comment, current_user.id)
    if problems:
        return reopen.page(reopened, form, problems, status=400)
    flash(gettext("Correction saved: the record is valid now, and its original answers are kept."))
    return redirect(url_for("coordinator.submission", submission_id=submission_id))


@bp.post("/conflicts/<int:conflict_id>/resolve")
@access(*STAFF)
def resolve_conflict(conflict_id: str):
    """Keep the stored answers or adopt the conflicting copy (the replaced ones are kept)."""
    form = ResolveForm(prefix=f"c{conflict_id}")
    if not form.validate_on_submit():
        raise BadRequest(gettext("Choose keep or adopt."), _form_errors(form))
    submission_id = resolve(get_db(), conflict_id, form.decision.data, form.comment.data, current_user.id)
    flash(gettext("Conflict decided."))
    return redirect(url_for("coordinator.submission", submission_id=submission_id))
