"""The registry's pages for coordinators, its exports, and the facilitators' picker list.

Coordinators list and filter entries (area, type, status, name), open one to edit it,
confirm it or merge it into another (similar names suggested), and download the
filtered list as CSV or GeoJSON (audited). Facilitators' phones fetch the picker list
(``GET /api/v1/registry/organisations``), which the service worker keeps for offline use.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from .. import audit
from ..auth.access import ALL_ROLES, STAFF, access
from ..db import get_db, write_transaction
from ..errors import BadRequest
from ..plans import vocab
from ..plans.forms import choices
from ..timeutil import now_iso
from . import model
from .export import csv_text, geojson_text
from .feed import refresh_before_read
from .forms import ConfirmForm, EditForm, MergeForm
from .names import similar

bp = Blueprint("networks", __name__)
bp.before_request(refresh_before_read)  # read records synced since the last look


def _lang() -> str:
    return str(get_locale() or "en")


def _filters() -> model.RegistryFilter:
    args = request.args
    unknown = set(args) - {"area", "type", "status", "q", "lang"}  # lang: the page's language
    if unknown:
        raise BadRequest(gettext("Unknown filter: %(names)s.", names=", ".join(sorted(unknown))))
    status = args.get("status") or None
    if status and status not in model.STATUSES:
        raise BadRequest(gettext("Unknown status."), {"status": [status]})
    q = (args.get("q") or "").strip() or None
    if q and len(q) > 200:
        raise BadRequest(gettext("The search is too long."))
    return model.RegistryFilter(
        area=args.get("area") or None, org_type=args.get("type") or None, status=status, q=q
    )


@bp.get("/coordinate/registry")
@access(*STAFF)
def index():
    """The registry, filtered by area, type, status and name."""
    db = get_db()
    where = _filters()
    language = _lang()
    return render_template(
        "networks/index.html",
        orgs=model.list_orgs(db, where),
        where=where,
        new_count=len(model.list_orgs(db, model.RegistryFilter(status="new"))),
        areas=vocab.areas(db, language),
        types=vocab.org_types(db, language),
        args=request.args,
    )


def _edit_form(db, org: dict, language: str) -> EditForm:
    form = EditForm(prefix="edit", data=None if request.method == "POST" else org)
    form.org_type.choices = choices([("", "—"), *vocab.org_types(db, language).items()])
    form.partner.choices = choices([("", "—"), *vocab.partner_answers(db, language).items()])
    return form


def _merge_form(db, org: dict) -> MergeForm:
    form = MergeForm(prefix="merge")
    others = {i: n for i, n in model.names_by_id(db).items() if i != org["id"]}
    best = similar(org["name"], others)
    rest = [i for i in others if i not in best]
    form.into.choices = choices((i, others[i]) for i in best + rest)
    return form


def _detail(org_id: int, edit: EditForm | None = None, status: int = 200):
    db = get_db()
    org = model.get_org(db, org_id)
    language = _lang()
    return (
        render_template(
            "networks/detail.html",
            org=org,
            edit=edit or _edit_form(db, org, language),
            confirm=ConfirmForm(prefix="confirm"),
            merge=_merge_form(db, org) if org["status"] != "merged" else None,
            spellings=model.spellings(db, org_id),
            history=model.history(db, org_id),
            into=model.names_by_id(db, [org["merged_into"]]) if org["merged_into"] else {},
            areas=vocab.areas(db, language),
            types=vocab.org_types(db, language),
        ),
        status,
    )


@bp.get("/coordinate/registry/<int:org_id>")
@access(*STAFF)
def detail(org_id: int):
    """One entry: its counts, spellings heard, history; edit, confirm, merge."""
    return _detail(org_id)


@bp.post("/coordinate/registry/<int:org_id>")
@access(*STAFF)
def edit(org_id: int):
    db = get_db()
    org = model.get_org(db, org_id)
    form = _edit_form(db, org, _lang())
    if not form.validate_on_submit():
        return _detail(org_id, form, 400)
    model.edit(db, org_id, {f: getattr(form, f).data for f in model.EDITABLE}, current_user.id)
    flash(gettext("Entry saved."))
    return redirect(url_for("networks.detail", org_id=org_id))


@bp.post("/coordinate/registry/<int:org_id>/confirm")
@access(*STAFF)
def confirm(org_id: int):
    if not ConfirmForm(prefix="confirm").validate_on_submit():
        raise BadRequest(gettext("The form was not valid: reload the page and try again."))
    model.confirm(get_db(), org_id, current_user.id)
    flash(gettext("Entry confirmed."))
    return redirect(url_for("networks.detail", org_id=org_id))


@bp.post("/coordinate/registry/<int:org_id>/merge")
@access(*STAFF)
def merge(org_id: int):
    db = get_db()
    org = model.get_org(db, org_id)
    form = _merge_form(db, org)
    if not form.validate_on_submit():
        raise BadRequest(gettext("Choose the entry to merge into."), dict(form.errors))
    moved = model.merge(db, org_id, form.into.data, current_user.id)
    flash(gettext("Merged: %(count)s mentions moved.", count=moved))
    return redirect(url_for("networks.detail", org_id=form.into.data))


@bp.get("/coordinate/registry.<any(csv, geojson):fmt>")
@access(*STAFF)
def export(fmt: str):
    """The filtered registry as CSV or GeoJSON (written to the audit log)."""
    db = get_db()
    where = _filters()
    with write_transaction(db):
        audit.record(
            db, "registry.export", current_user.id, "registry", format=fmt, filters=dict(request.args)
        )
    body = csv_text(db, where) if fmt == "csv" else geojson_text(db, where)
    mimetype = "text/csv" if fmt == "csv" else "application/geo+json"
    response = Response(body, mimetype=mimetype)
    name = f"registry-{now_iso()[:10]}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/registry/organisations")
@access(*ALL_ROLES)
def picker():
    """The entries a facilitator can pick from in a form (kept offline by the worker)."""
    response = jsonify({"organisations": model.picker_list(get_db())})
    response.headers["Cache-Control"] = "private, no-cache"  # the worker keeps it; no shared cache
    return response
