"""Who may use which route: every view states its roles with ``@access(...)``.

Roles are ``admin``, ``coordinator``, ``facilitator``; ``ANYONE`` marks public routes.
Admins may do everything. A test walks the URL map and proves that every route has
a stated rule and that each role outside it is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, redirect, request, url_for
from flask_babel import gettext
from flask_login import LoginManager, current_user

from ..errors import Forbidden, Unauthorized, wants_json

ANYONE = "anyone"
STAFF = ("coordinator",)  # admins are always allowed too
ALL_ROLES = ("admin", "coordinator", "facilitator")

login_manager = LoginManager()


def access(*roles: str) -> Callable:
    """Declare and enforce who may call a view (admins always may)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if ANYONE not in roles:
                if not current_user.is_authenticated:
                    if wants_json():
                        raise Unauthorized(gettext("Sign in first (your session may have expired)."))
                    return redirect(url_for("auth.login", next=request.full_path))
                if current_user.role != "admin" and current_user.role not in roles:
                    raise Forbidden(gettext("Your account may not do this."))
            return view(*args, **kwargs)

        wrapper.access_roles = tuple(roles)
        return wrapper

    return decorator


def allowed_roles(view: Callable) -> tuple[str, ...] | None:
    """The roles a view declared, or None if it declared nothing (a bug)."""
    return getattr(view, "access_roles", None)


def requires_sign_in(view: Callable | None) -> bool:
    """True for views that only signed-in accounts may use."""
    roles = allowed_roles(view) if view else None
    return roles is not None and ANYONE not in roles


def token_authenticated() -> bool:
    """True only when this request was signed in by a valid API token (not just any header)."""
    if not bearer_token():
        return False
    return bool(current_user.is_authenticated and g.get("auth_by_token"))


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None
