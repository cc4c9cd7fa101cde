"""Coordinators' pages for survey definitions: the list, XLSForm import, location lists.

Every publish goes through the registry (validated, expressions compiled, versions
immutable) and is written to the audit log. Refusals answer 400 with every problem listed.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from .. import audit
from ..auth.access import STAFF, access
from ..db import get_db, write_transaction
from ..errors import NotFound
from ..surveys.registry import get_definition, list_surveys
from ..xlsform import XLSFormRefused, check_xlsform, import_xlsform
from .forms import LocationsUpload, XLSFormUpload
from .locations import LocationsRefused, lists_as_csv, location_lists, publish_locations

bp = Blueprint("forms_admin", __name__, url_prefix="/coordinate/forms")


def _published(survey_id: str, version: str, source: str) -> None:
    db = get_db()
    with write_transaction(db):
        audit.record(db, "survey_published", current_user.id, survey_id, version=version, source=source)


@bp.get("")
@access(*STAFF)
def index():
    """Every survey with its versions, and where they came from."""
    db = get_db()
    versions: dict[str, list[dict]] = {}
    for row in db.query(
        "SELECT survey_id, version, source, published_at FROM survey_versions"
        " ORDER BY published_at DESC, rowid DESC"
    ):
        versions.setdefault(row["survey_id"], []).append(row)
    return render_template("forms_admin/index.html", surveys=list_surveys(db), versions=versions)


@bp.route("/import", methods=["GET", "POST"])
@access(*STAFF)
def import_form():
    """Upload an XLSForm: check it, then publish it as a new version of its survey."""
    form = XLSFormUpload()
    result, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), upload.filename
        files = {f.filename: f.read() for f in form.attachments.data or [] if f and f.filename}
        try:
            if form.check_only.data:
                result = check_xlsform(data, filename, files)
            else:
                result = import_xlsform(get_db(), data, filename, current_user.id, files)
        except XLSFormRefused as exc:
            result = exc.result
        if not result.ok:
            status = 400
        elif not form.check_only.data and result.created:
            definition = result.definition
            _published(definition["id"], definition["version"], "xlsform")
    elif form.errors:
        status = 400
    return render_template("forms_admin/import.html", form=form, result=result), status


def _location_surveys() -> list[tuple[str, str]]:
    db = get_db()
    choices = []
    for survey in list_surveys(db):
        definition = get_definition(db, survey["id"])
        if definition and location_lists(definition):
            choices.append((survey["id"], survey["title"]))
    return choices


@bp.route("/locations", methods=["GET", "POST"])
@access(*STAFF)
def locations():
    """Upload a location-list CSV: publishes a new version with those lists replaced."""
    form = LocationsUpload()
    form.survey.choices = _location_surveys()
    if request.method == "GET" and not form.survey.data and form.survey.choices:
        form.survey.data = (
            "listening_session"
            if any(c[0] == "listening_session" for c in form.survey.choices)
            else form.survey.choices[0][0]
        )
    errors, published, counts, status = [], None, {}, 200
    if form.validate_on_submit():
        try:
            published, counts = publish_locations(
                get_db(), form.survey.data, form.file.data.read(), current_user.id
            )
        except LocationsRefused as exc:
            errors, status = exc.errors, 400
        else:
            _published(published["id"], published["version"], "locations-csv")
    elif form.errors:
        status = 400
    current = {
        survey_id: location_lists(get_definition(get_db(), survey_id)) for survey_id, _ in form.survey.choices
    }
    return render_template(
        "forms_admin/locations.html",
        form=form,
        errors=errors,
        published=published,
        counts=counts,
        current=current,
    ), status


@bp.get("/locations.csv")
@access(*STAFF)
def locations_csv():
    """The current location lists of a survey, as a CSV to edit and upload again."""
    survey_id = request.args.get("survey", "listening_session")
    definition = get_definition(get_db(), survey_id)
    if definition is None:
        raise NotFound(f"There is no survey {survey_id!r}.")
    body = lists_as_csv(definition, location_lists(definition))
    version = re.sub(r"[^A-Za-z0-9_.-]+", "_", definition["version"])
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{survey_id}-locations-v{version}.csv"'},
    )
