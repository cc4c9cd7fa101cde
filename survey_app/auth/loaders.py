"""Flask-Login wiring: who is making this request (a server-side session, or an API token).

The cookies carry a session id (``sessions.py``); it counts only while its row is open.
A request that carries ``Authorization: Bearer`` is judged by that token alone, never by
cookies that came with it: an invalid token is an anonymous request, so it cannot switch
the CSRF check off for a cookie session (``access.token_authenticated``).
"""

from __future__ import annotations

from flask import Flask, current_app, g, session

from ..db import get_db
from .access import bearer_token, login_manager
from .sessions import Lifetime, find_session
from .tokens import user_for_token
from .users import get_user


def lifetime() -> Lifetime:
    config = current_app.config
    return Lifetime(days=config["SESSION_DAYS"], max_days=config["SESSION_MAX_DAYS"])


@login_manager.user_loader
def load_user(session_id: str):
    """The user of an open session; an ended or expired one is nobody.

    Flask-Login asks the request loader only when no cookie is present, so a request with
    a bearer token and cookies is judged here, by the token alone.
    """
    if bearer_token():
        return load_user_from_token(None)
    db = get_db()
    found = find_session(db, session_id, lifetime())
    if found is None:
        return None
    user = get_user(db, found.user_id)
    if user is None or not user.active:
        return None
    user.session_id = session_id
    if found.touched:
        session["_remember"] = "set"  # Flask-Login re-sends the remember cookie: it slides too
    return user


@login_manager.request_loader
def load_user_from_token(_request):
    """Scripts authenticate with ``Authorization: Bearer <token>``."""
    token = bearer_token()
    user = user_for_token(get_db(), token) if token else None
    if user is not None:
        g.auth_by_token = True
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
