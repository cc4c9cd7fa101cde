"""The form page: rendered on the server from the definition, posting without JavaScript.

With JavaScript on, ``static/js`` enhances the same page (autosave, offline outbox); with
it off or broken, the form still posts here and is validated and stored the same way.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..attachments.direct import store_posted_files
from ..attachments.model import Uploader
from ..attachments.storage import FileStore, files_root
from ..auth.access import ALL_ROLES, access
from ..coordinator.options import page_language
from ..db import get_db
from ..errors import NotFound
from ..surveys.registry import get_definition
from ..surveys.validation import validate_submission
from ..sync.ingest import Origin, ingest
from ..timeutil import now_iso
from ..xlsform.media import media_response
from .errorsummary import error_labels, error_targets
from .formdata import form_answers, takes_files, with_extra_instance
from .i18n import pick_language
from .mine import my_record, my_rows

bp = Blueprint("capture", __name__)


def _definition_or_404(survey_id: str, version: str | None = None) -> dict:
    definition = get_definition(get_db(), survey_id, version)
    if definition is None:
        raise NotFound(gettext("There is no survey %(survey)r.", survey=survey_id))
    return definition


def _page(definition: dict, values, errors: dict, submission_id: str, started_at: str, status=200):
    language = pick_language(definition)
    return (
        render_template(
            "capture/form.html",
            definition=definition,
            lang=language,
            values=values,
            errors=errors,
            submission_id=submission_id,
            started_at=started_at,
            error_labels=error_labels(definition, language) if errors else {},
            error_targets=error_targets(definition, errors) if errors else {},
            takes_files=takes_files(definition),
            media_base=media_base(definition),
        ),
        status,
    )


def media_base(definition: dict) -> str:
    """The address a version's media files are served under (``.../<name>``)."""
    one = url_for("capture.form_media", survey_id=definition["id"], version=definition["version"], name="_")
    return one[:-1]


@bp.get("/forms/<survey_id>/media/<version>/<path:name>")
@access(*ALL_ROLES)
def form_media(survey_id: str, version: str, name: str):
    """A media file of a form version (an image or recording beside a label)."""
    response = media_response(_definition_or_404(survey_id, version), name, files_root())
    if response is None:
        raise NotFound(gettext("This form has no such file."))
    return response


@bp.get("/forms/<survey_id>")
@access(*ALL_ROLES)
def form_page(survey_id: str):
    """An empty form for the current version, or ``?version=`` (a draft keeps its own)."""
    definition = _definition_or_404(survey_id, request.args.get("version") or None)
    return _page(definition, request.args, {}, str(uuid.uuid4()), now_iso())


@bp.post("/forms/<survey_id>")
@access(*ALL_ROLES)
def submit_form(survey_id: str):
    """Take a posted form (the no-JavaScript path): validate, store, thank."""
    form = request.form
    definition = _definition_or_404(survey_id, form.get("_version") or None)
    submission_id = form.get("_id", "")
    try:
        submission_id = str(uuid.UUID(submission_id))
    except ValueError:
        submission_id = str(uuid.uuid4())
    started_at = form.get("_started_at") or now_iso()
    if form.get("_add_repeat"):
        return _page(definition, with_extra_instance(form), {}, submission_id, started_at)
    too_large: dict = {}
    if request.files:  # the no-JavaScript path's photos and recordings: stored first
        form, too_large = store_posted_files(
            get_db(),
            current_app.config,
            FileStore(files_root()),
            Uploader(user_id=current_user.id),
            definition,
            submission_id,
            form,
            request.files,
        )
    if too_large:  # nothing is stored without its file: the form again, answers kept
        return _page(definition, form, too_large, submission_id, started_at, status=413)
    data = form_answers(definition, form)
    errors = validate_submission(definition, data, {"finalized_at": now_iso()})
    if errors:
        return _page(definition, form, errors, submission_id, started_at, status=400)
    item = {
        "id": submission_id,
        "survey": definition["id"],
        "version": definition["version"],
        "data": data,
        "meta": {"started_at": started_at, "finalized_at": now_iso(), "app_version": "html-form"},
    }
    origin = Origin("form", user_id=current_user.id)
    if ingest(get_db(), [item], origin)[0]["status"] == "refused":
        # The posted id is another account's record: these answers are kept under a new id
        # (a browser without JavaScript keeps no copy that a refusal could leave it with).
        submission_id = str(uuid.uuid4())
        ingest(get_db(), [{**item, "id": submission_id}], origin)
    return redirect(url_for("capture.thanks", survey_id=definition["id"], ref=submission_id[:8]))


@bp.get("/forms/<survey_id>/thanks")
@access(*ALL_ROLES)
def thanks(survey_id: str):
    definition = _definition_or_404(survey_id)
    return render_template(
        "capture/thanks.html",
        definition=definition,
        lang=pick_language(definition),
        ref=request.args.get("ref", "")[:8],
    )


@bp.get("/my/submissions")
@access(*ALL_ROLES)
def my_submissions():
    """What this account has sent, newest first (a facilitator sees only their own)."""
    rows = my_rows(get_db(), current_user.id, page_language)
    return render_template("capture/my_submissions.html", rows=rows)


@bp.get("/my/submissions/<submission_id>")
@access(*ALL_ROLES)
def my_submission(submission_id: str):
    """One record this account sent, read-only; anyone else's is 404 (it says nothing)."""
    record = my_record(get_db(), current_user.id, submission_id, page_language)
    if record is None:
        raise NotFound(gettext("You sent no such record."))
    return render_template("capture/my_submission.html", record=record, lang=record["lang"])
