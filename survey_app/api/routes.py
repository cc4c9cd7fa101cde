"""JSON API v1: the surveys a caller may fill and their definitions (sync: ``sync/routes.py``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.access import ALL_ROLES, ANYONE, access
from ..db import get_db
from ..errors import NotFound
from ..surveys.registry import get_definition, list_surveys, list_versions

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/csrf")
@access(ANYONE)
def csrf_token():
    """A fresh CSRF token: the phone fetches one before each sync (sessions last weeks)."""
    response = jsonify(
        {
            "ok": True,
            "csrf_token": generate_csrf(),
            "signed_in": current_user.is_authenticated,
            "user": current_user.username if current_user.is_authenticated else None,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/surveys")
@access(*ALL_ROLES)
def surveys():
    """The surveys the caller may fill, each with its current version."""
    db = get_db()
    items = [
        {
            "id": s["id"],
            "title": s["title"],
            "version": s["current_version"],
            "versions": list_versions(db, s["id"]),
        }
        for s in list_surveys(db)
    ]
    return jsonify({"ok": True, "surveys": items})


@bp.get("/surveys/<survey_id>")
@access(*ALL_ROLES)
def survey_definition(survey_id: str):
    """The current definition (or ``?version=``), with ``id`` and ``version`` on top."""
    definition = get_definition(get_db(), survey_id, request.args.get("version"))
    if definition is None:
        raise NotFound(
            f"No survey {survey_id!r}"
            + (f" with version {request.args['version']!r}." if request.args.get("version") else ".")
        )
    return jsonify(definition)
