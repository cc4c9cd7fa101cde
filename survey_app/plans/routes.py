"""Coordinators' pages for local action plans, their reviews and the public pages;
facilitators' read-only view of the actions in their areas.

Every POST is a flask-wtf form (CSRF checked) and every change is audited (and, for an
action, in its history). A form that does not validate is shown again with its errors
(400). The review page prints one area per page in the coordinator's language.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from .. import audit
from ..auth.access import ALL_ROLES, STAFF, access
from ..db import get_db, write_transaction
from ..errors import BadRequest
from ..networks import model as registry
from ..networks.feed import refresh_before_read
from ..surveys.registry import get_definition
from . import heard, model, reviews, vocab
from .forms import (
    DECISION_LABELS,
    STATUS_LABELS,
    ActionForm,
    DecisionForm,
    NoteForm,
    PlanForm,
    PublishForm,
    ReviewRunForm,
    WithdrawForm,
    choices,
)
from .public import render_heard
from .share import shared_export

bp = Blueprint("plans", __name__)
bp.before_request(refresh_before_read)  # records synced since the last read are counted


def _lang() -> str:
    return str(get_locale() or "en")


def _plan_form(db, plan: dict | None = None) -> PlanForm:
    data = None
    if plan and request.method == "GET":
        data = {**plan, "review_dates": ", ".join(plan["review_dates"])}
        data["period_start"] = _date(plan["period_start"])
        data["period_end"] = _date(plan["period_end"])
    form = PlanForm(prefix="plan", data=data)
    form.areas.choices = choices(vocab.areas(db, _lang()))
    form.surveys.choices = choices(vocab.surveys_with_concerns(db))
    return form


def _date(value):
    return date.fromisoformat(value) if value else None


def _plan_values(form: PlanForm) -> dict:
    return {
        "title": form.title.data,
        "areas": form.areas.data,
        "surveys": form.surveys.data,
        "period_start": form.period_start.data,
        "period_end": form.period_end.data,
        "review_dates": form.review_dates_list(),
    }


@bp.route("/coordinate/plans", methods=["GET", "POST"])
@access(*STAFF)
def index():
    """The plans, and a form for a new one."""
    db = get_db()
    form = _plan_form(db)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            plan_id = model.save_plan(db, _plan_values(form), current_user.id)
            flash(gettext("Plan created."))
            return redirect(url_for("plans.plan", plan_id=plan_id))
        status = 400
    return (
        render_template(
            "plans/index.html", plans=model.list_plans(db), form=form, pages=heard.publications(db)
        ),
        status,
    )


def _action_form(db, plan: dict, action: dict | None = None, prefix: str = "action") -> ActionForm:
    data = None
    if action and request.method == "GET":
        data = {**action, "start_date": _date(action["start_date"]), "due_date": _date(action["due_date"])}
    form = ActionForm(prefix=prefix, data=data)
    language = _lang()
    surveys = reviews.plan_surveys(db, plan)
    form.concerns.choices = choices(vocab.concerns(db, language, surveys))
    all_areas = vocab.areas(db, language)
    form.areas.choices = choices([(a, all_areas.get(a, a)) for a in plan["areas"]] or all_areas)
    form.partners.choices = choices(registry.names_by_id(db))
    return form


def _plan_page(plan_id: int, plan_form=None, action_form=None, review_form=None, status=200):
    db = get_db()
    plan = model.get_plan(db, plan_id)
    language = _lang()
    surveys = reviews.plan_surveys(db, plan)
    return (
        render_template(
            "plans/plan.html",
            plan=plan,
            actions=model.list_actions(db, plan_id),
            plan_form=plan_form or _plan_form(db, plan),
            action_form=action_form or _action_form(db, plan),
            review_form=review_form or ReviewRunForm(prefix="review"),
            reviews=reviews.list_reviews(db, plan_id),
            areas=vocab.areas(db, language),
            concerns=vocab.concerns(db, language),
            partners=registry.names_by_id(db),
            statuses=STATUS_LABELS,
            surveys=surveys,
            survey_areas={s: vocab.areas(db, language, [s]) for s in surveys},
            pages={(p["survey_id"], p["area"]) for p in heard.publications(db)},
        ),
        status,
    )


@bp.route("/coordinate/plans/<int:plan_id>", methods=["GET", "POST"])
@access(*STAFF)
def plan(plan_id: int):
    """A plan: its details, actions, reviews, and its public pages."""
    db = get_db()
    if request.method == "POST":
        form = _plan_form(db, model.get_plan(db, plan_id))
        if not form.validate_on_submit():
            return _plan_page(plan_id, plan_form=form, status=400)
        model.save_plan(db, _plan_values(form), current_user.id, plan_id)
        flash(gettext("Plan saved."))
        return redirect(url_for("plans.plan", plan_id=plan_id))
    return _plan_page(plan_id)


def _action_values(form: ActionForm) -> dict:
    return {name: getattr(form, name).data for name in model.ACTION_FIELDS}


@bp.post("/coordinate/plans/<int:plan_id>/actions")
@access(*STAFF)
def add_action(plan_id: int):
    db = get_db()
    form = _action_form(db, model.get_plan(db, plan_id))
    if not form.validate_on_submit():
        return _plan_page(plan_id, action_form=form, status=400)
    action_id = model.save_action(db, plan_id, _action_values(form), current_user.id)
    flash(gettext("Action added."))
    return redirect(url_for("plans.action", action_id=action_id))


def _action_page(action_id: int, form=None, note_form=None, status=200):
    db = get_db()
    action = model.get_action(db, action_id)
    plan = model.get_plan(db, action["plan_id"])
    language = _lang()
    return (
        render_template(
            "plans/action.html",
            plan=plan,
            action=action,
            form=form or _action_form(db, plan, action),
            note_form=note_form or NoteForm(prefix="note"),
            notes=model.notes(db, action_id),
            history=model.history(db, action_id),
            areas=vocab.areas(db, language),
            concerns=vocab.concerns(db, language),
            partners=registry.names_by_id(db),
            statuses=STATUS_LABELS,
            decisions=DECISION_LABELS,
            editable=True,
        ),
        status,
    )


@bp.route("/coordinate/actions/<int:action_id>", methods=["GET", "POST"])
@access(*STAFF)
def action(action_id: int):
    """An action: edit it, add progress notes, read its history."""
    db = get_db()
    if request.method == "POST":
        current = model.get_action(db, action_id)
        form = _action_form(db, model.get_plan(db, current["plan_id"]), current)
        if not form.validate_on_submit():
            return _action_page(action_id, form=form, status=400)
        model.save_action(db, current["plan_id"], _action_values(form), current_user.id, action_id)
        flash(gettext("Action saved."))
        return redirect(url_for("plans.action", action_id=action_id))
    return _action_page(action_id)


@bp.post("/coordinate/actions/<int:action_id>/notes")
@access(*STAFF)
def add_note(action_id: int):
    db = get_db()
    model.get_action(db, action_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _action_page(action_id, note_form=form, status=400)
    model.add_note(db, action_id, form.noted_on.data, form.body.data, current_user.id)
    flash(gettext("Progress note added."))
    return redirect(url_for("plans.action", action_id=action_id))


@bp.post("/coordinate/plans/<int:plan_id>/reviews")
@access(*STAFF)
def run_review(plan_id: int):
    db = get_db()
    model.get_plan(db, plan_id)
    form = ReviewRunForm(prefix="review")
    if not form.validate_on_submit():
        return _plan_page(plan_id, review_form=form, status=400)
    review_id = reviews.run_review(
        db,
        plan_id,
        form.period_start.data.isoformat(),
        form.period_end.data.isoformat(),
        _lang(),
        current_user.id,
    )
    flash(gettext("Review run: its figures are frozen with it."))
    return redirect(url_for("plans.review", review_id=review_id))


@bp.get("/coordinate/reviews/<int:review_id>")
@access(*STAFF)
def review(review_id: int):
    """A review, one area per printed page, with the decisions beside each action."""
    db = get_db()
    found = reviews.get_review(db, review_id)
    latest, added = reviews.decisions(db, review_id)
    language = _lang()
    forms = {}
    for item in found["snapshot"]["actions"]:
        form = DecisionForm(prefix=f"d{item['id']}")
        form.action.data = str(item["id"])
        forms[item["id"]] = form
    add_form = DecisionForm(prefix="add")
    add_form.decision.data = "add"
    return render_template(
        "plans/review.html",
        review=found,
        snap=found["snapshot"],
        latest=latest,
        added=added,
        forms=forms,
        add_form=add_form,
        areas=vocab.areas(db, language),
        concerns=vocab.concerns(db, language),
        statuses=STATUS_LABELS,
        decisions=DECISION_LABELS,
    )


@bp.post("/coordinate/reviews/<int:review_id>/decisions")
@access(*STAFF)
def decide(review_id: int):
    db = get_db()
    reviews.get_review(db, review_id)
    prefix = request.form.get("prefix", "")
    if not prefix or not (prefix == "add" or (prefix.startswith("d") and prefix[1:].isdigit())):
        raise BadRequest(gettext("Choose a decision."))
    form = DecisionForm(prefix=prefix)
    if not form.validate_on_submit():
        raise BadRequest(gettext("Choose a decision."), dict(form.errors))
    action_id = None if prefix == "add" else int(prefix[1:])
    decision = "add" if prefix == "add" else form.decision.data
    reviews.decide(db, review_id, action_id, decision, form.note.data or "", current_user.id)
    flash(gettext("Decision recorded."))
    return redirect(url_for("plans.review", review_id=review_id))


def _shared(review_id: int) -> dict:
    db = get_db()
    found = reviews.get_review(db, review_id)
    latest, added = reviews.decisions(db, review_id)
    return shared_export(found, latest, added, current_app.config["HEARD_THRESHOLD"])


@bp.get("/coordinate/reviews/<int:review_id>/share.<any(json, html):fmt>")
@access(*STAFF)
def share(review_id: int, fmt: str):
    """The plan and this review as aggregates for other cities (suppressed like public pages)."""
    db = get_db()
    body = _shared(review_id)
    with write_transaction(db):
        audit.record(db, "plan.share", current_user.id, f"review:{review_id}", format=fmt)
    if fmt == "json":
        response = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="plan-review-{review_id}.json"'
        return response
    language = _lang()
    return render_template(
        "plans/share.html",
        body=body,
        areas=vocab.areas(db, language),
        concerns=vocab.concerns(db, language),
        statuses=STATUS_LABELS,
        decisions=DECISION_LABELS,
    )


def _heard_area(survey_id: str) -> str | None:
    area = request.values.get("area") or None
    if get_definition(get_db(), survey_id) is None:
        raise BadRequest(gettext("There is no such survey."))
    return area


@bp.get("/coordinate/heard/<survey_id>/preview")
@access(*STAFF)
def heard_preview(survey_id: str):
    """The public page exactly as it would be published, with the publish button."""
    db = get_db()
    area = _heard_area(survey_id)
    page = heard.build(db, survey_id, area, current_app.config["HEARD_THRESHOLD"])
    publish_form, withdraw_form = PublishForm(prefix="pub"), WithdrawForm(prefix="wd")
    publish_form.area.data = withdraw_form.area.data = area or ""
    return render_heard(
        page,
        preview=True,
        publish_form=publish_form,
        withdraw_form=withdraw_form,
        live=heard.published(db, survey_id, area) is not None,
    )


@bp.post("/coordinate/heard/<survey_id>/publish")
@access(*STAFF)
def heard_publish(survey_id: str):
    form = PublishForm(prefix="pub")
    if not form.validate_on_submit():
        raise BadRequest(gettext("The form was not valid: reload the page and try again."))
    area = form.area.data or None
    db = get_db()
    if get_definition(db, survey_id) is None:
        raise BadRequest(gettext("There is no such survey."))
    heard.publish(db, survey_id, area, current_app.config["HEARD_THRESHOLD"], current_user.id)
    flash(gettext("Published."))
    if area:
        return redirect(url_for("heard.area_page", survey_id=survey_id, area=area))
    return redirect(url_for("heard.survey_page", survey_id=survey_id))


@bp.post("/coordinate/heard/<survey_id>/withdraw")
@access(*STAFF)
def heard_withdraw(survey_id: str):
    form = WithdrawForm(prefix="wd")
    if not form.validate_on_submit():
        raise BadRequest(gettext("The form was not valid: reload the page and try again."))
    heard.withdraw(get_db(), survey_id, form.area.data or None, current_user.id)
    flash(gettext("Withdrawn: the page is no longer public."))
    return redirect(url_for("plans.index"))


@bp.get("/my/actions")
@access(*ALL_ROLES)
def my_actions():
    """The actions of the areas a facilitator works in (read only)."""
    db = get_db()
    if current_user.role == "facilitator":
        wanted = model.facilitator_areas(db, current_user.id)
        pairs = model.actions_for_areas(db, wanted)
    else:
        pairs = [(p, a) for p in model.list_plans(db) for a in model.list_actions(db, p["id"])]
    language = _lang()
    return render_template(
        "plans/my_actions.html",
        pairs=pairs,
        areas=vocab.areas(db, language),
        concerns=vocab.concerns(db, language),
        partners=registry.names_by_id(db),
        statuses=STATUS_LABELS,
    )
