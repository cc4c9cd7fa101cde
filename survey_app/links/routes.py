"""Coordinators' pages for public links: list with counts, create, pause, resume, revoke, print.

The printable page shows the full URL, an SVG QR code drawn on the server and short
instructions in each of the survey's languages, so a facilitator can pin it on a wall.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from ..auth.access import STAFF, access
from ..db import get_db
from ..errors import BadRequest, NotFound
from ..surveys.registry import get_definition, list_surveys
from .forms import LinkActionForm, NewLinkForm
from .model import Link, LinkError, change_state, create_link, get_link, list_links, status
from .qr import qr_svg
from .texts import LANGUAGE_NAMES, text

bp = Blueprint("links", __name__, url_prefix="/coordinate/links")

PUBLIC_PREFIX = "/p/"


def public_url(token: str, base_url: str | None = None) -> str:
    """The full address of a link: the configured base URL, else the request's own host."""
    base = base_url or current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + PUBLIC_PREFIX + token


@bp.record_once
def _attach_limiter(state) -> None:
    # The links blueprint is registered once per app: that is where its limiter attaches.
    from .ratelimit import init_app

    init_app(state.app)


def _link_or_404(link_id: int) -> Link:
    link = get_link(get_db(), link_id)
    if link is None:
        raise NotFound("There is no such link.")
    return link


def _new_link_form(surveys: list[dict]) -> NewLinkForm:
    form = NewLinkForm()
    form.survey.choices = [(s["id"], s["title"]) for s in surveys]
    if not form.survey.data and any(s["id"] == "community_feedback" for s in surveys):
        form.survey.data = "community_feedback"
    return form


@bp.route("", methods=["GET", "POST"])
@access(*STAFF)
def index():
    """Every link with its state and how many submissions it brought; a form to add one."""
    db = get_db()
    surveys = list_surveys(db)
    form = _new_link_form(surveys)
    status_code = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                link = create_link(
                    db,
                    form.survey.data,
                    form.label.data,
                    current_user.id,
                    expires_on=form.expires.data,
                    max_submissions=form.max_submissions.data,
                )
            except LinkError as exc:
                form.label.errors = [*form.label.errors, str(exc)]
            else:
                flash(
                    gettext(
                        "Link “%(label)s” created. Print it or share the address below.", label=link.label
                    )
                )
                return redirect(url_for("links.detail", link_id=link.id))
        status_code = 400
    links = list_links(db)
    titles = {s["id"]: s["title"] for s in surveys}
    rows = [(link, status(link), titles.get(link.survey_id, link.survey_id)) for link in links]
    return render_template("links/index.html", form=form, rows=rows), status_code


@bp.get("/<int:link_id>")
@access(*STAFF)
def detail(link_id: int):
    """The printable page: label, address, QR code and instructions in the survey's languages."""
    link = _link_or_404(link_id)
    definition = get_definition(get_db(), link.survey_id) or {}
    url = public_url(link.token) if link.token else None
    languages = definition.get("languages") or [definition.get("default_language", "en")]
    return render_template(
        "links/detail.html",
        link=link,
        link_status=status(link),
        definition=definition,
        url=url,
        qr=qr_svg(url, gettext("QR code for %(url)s", url=url)) if url else None,
        languages=languages,
        language_names=LANGUAGE_NAMES,
        print_text=text,
        action_form=LinkActionForm(),
    )


@bp.get("/<int:link_id>/qr.svg")
@access(*STAFF)
def qr_download(link_id: int):
    """The QR code alone, as an SVG file for flyers."""
    link = _link_or_404(link_id)
    if not link.token:
        raise NotFound(gettext("This link was revoked; it has no QR code any more."))
    svg = qr_svg(public_url(link.token), link.label, inline=False)
    return Response(
        svg,
        mimetype="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="link-{link.id}-qr.svg"'},
    )


@bp.post("/<int:link_id>/<any(pause, resume, revoke):action>")
@access(*STAFF)
def change(link_id: int, action: str):
    """Pause (records started before still count), resume, or revoke (final) a link."""
    form = LinkActionForm()
    if not form.validate_on_submit():
        raise BadRequest(gettext("The form expired. Reload the page and try again."), form.errors)
    try:
        link = change_state(get_db(), link_id, action, current_user.id)
    except LinkError as exc:
        if get_link(get_db(), link_id) is None:
            raise NotFound(str(exc)) from exc
        raise BadRequest(str(exc)) from exc
    done = {
        "pause": gettext("Link “%(label)s” paused.", label=link.label),
        "resume": gettext("Link “%(label)s” resumed.", label=link.label),
        "revoke": gettext("Link “%(label)s” revoked.", label=link.label),
    }
    flash(done[action])
    if request.form.get("next") == "detail":
        return redirect(url_for("links.detail", link_id=link.id))
    return redirect(url_for("links.index"))
