"""Home screen (what to fill, drafts and outbox on the phone) and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from ..auth.access import ALL_ROLES, ANYONE, access
from ..db import get_db, sqlite_version
from ..surveys.registry import list_surveys

bp = Blueprint("main", __name__)
MAIN_SURVEY = "listening_session"


@bp.get("/")
@access(*ALL_ROLES)
def home():
    """The surveys this account may fill; the offline client adds drafts and outbox.

    The listening session, a facilitator's main form, comes first; the rest by title.
    """
    surveys = sorted(list_surveys(get_db()), key=lambda s: s["id"] != MAIN_SURVEY)
    return render_template("main/home.html", surveys=surveys)


@bp.get("/healthz")
@access(ANYONE)
def healthz():
    """Liveness for load balancers: answers only if the database can be read."""
    get_db().execute("SELECT 1").fetchone()
    return jsonify({"ok": True, "version": current_app.config["APP_VERSION"], "sqlite": sqlite_version()})
