"""Flask-Login wiring: who is making this request (session cookie or API token)."""

from __future__ import annotations

from flask import Flask

from ..db import get_db
from .access import bearer_token, login_manager
from .tokens import user_for_token
from .users import get_user


@login_manager.user_loader
def load_user(session_id: str):
    """Load the user of a session; a stale epoch (reset, disabled) signs them out."""
    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    user = get_user(get_db(), int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user


@login_manager.request_loader
def load_user_from_token(_request):
    """Scripts authenticate with ``Authorization: Bearer <token>``."""
    token = bearer_token()
    return user_for_token(get_db(), token) if token else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
