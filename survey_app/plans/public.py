"""The public "What we heard, what we are doing" pages: no account, nothing stored.

``/heard/<survey>`` (the whole survey), ``/heard/<survey>/<area>`` (one area) and
``/p/<token>/heard`` (a public link's community: its survey, and its area where the link
has one) show the copy a coordinator published, in the survey's languages. These views
read one row and write nothing: no session, no cookie but the language choice the
visitor makes, no log line with anything about the visitor.
"""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from ..auth.access import ANYONE, access
from ..capture.i18n import pick_language
from ..db import get_db
from ..errors import NotFound
from ..languages.texts import direction
from ..links.model import find_by_token
from ..surveys.registry import get_definition
from . import heard, vocab
from .forms import STATUS_LABELS
from .texts import heard_text

bp = Blueprint("heard", __name__)


@bp.app_template_global()
def heard_live(survey_id: str) -> bool:
    """True when the survey's public page is published (for the thank-you page and poster)."""
    return heard.published(get_db(), survey_id, None) is not None


bp.add_app_template_global(heard_text, "heard_text")


def render_heard(page: dict, preview: bool = False, **extra):
    db = get_db()
    definition = get_definition(db, page["survey"])
    if definition is None:
        raise NotFound("Not found.")
    language = pick_language(definition)
    html = render_template(
        "heard/page.html",
        page=page,
        definition=definition,
        lang=language,
        page_dir=direction(language),
        concerns=vocab.concerns(db, language, [page["survey"]]),
        areas=vocab.areas(db, language, [page["survey"]]),
        statuses=STATUS_LABELS,
        preview=preview,
        **extra,
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store" if preview else "public, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _published_or_404(survey_id: str, area: str | None):
    page = heard.published(get_db(), survey_id, area)
    if page is None:
        raise NotFound("This page has not been published.")
    return render_heard(page)


@bp.get("/heard/<survey_id>")
@access(ANYONE)
def survey_page(survey_id: str):
    """What the whole survey heard, and the actions that answer it."""
    return _published_or_404(survey_id, None)


@bp.get("/heard/<survey_id>/<area>")
@access(ANYONE)
def area_page(survey_id: str, area: str):
    """The same for one area."""
    return _published_or_404(survey_id, area)


@bp.get("/p/<token>/heard")
@access(ANYONE)  # the token in the URL is the credential
def link_page(token: str):
    """A public link's community: its area's page where it has one, else its survey's."""
    db = get_db()
    link = find_by_token(db, token)
    if link is None or link.state == "revoked":  # a withdrawn link leads nowhere
        raise NotFound("Not found.")
    area = getattr(link, "area", None)
    page = heard.published(db, link.survey_id, area) if area else None
    page = page or heard.published(db, link.survey_id, None)
    if page is None:
        raise NotFound("This page has not been published.")
    return render_heard(page, token=token)
