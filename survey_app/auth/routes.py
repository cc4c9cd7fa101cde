"""Sign in and out."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..db import get_db, write_transaction
from . import throttle
from .access import ANYONE, access
from .forms import ConfirmForm, LoginForm
from .loaders import lifetime
from .sessions import end_session, start_session
from .users import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a relative ``next`` URL, never one to another site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@access(ANYONE)
def login():
    """Show the sign-in form and sign in; the session lasts for weeks of field work.

    Failed attempts are throttled per name and per address (``throttle.py``): past the
    limit the answer is 429 with the wait, before any password is checked.
    """
    form = LoginForm()
    if form.validate_on_submit():
        name = form.username.data
        wait = throttle.wait_seconds(name)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            form.password.errors.append(
                ngettext(
                    "Too many failed sign-ins. Wait %(num)d minute, then try again.",
                    "Too many failed sign-ins. Wait %(num)d minutes, then try again.",
                    minutes,
                )
            )
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        db = get_db()
        user = authenticate(db, name, form.password.data)
        with write_transaction(db):
            audit.record(
                db,
                "sign_in" if user else "sign_in_failed",
                user.id if user else None,
                target=name.strip()[:64],
            )
        if user:
            throttle.note_success(name)
            user.session_id = start_session(db, user.id, lifetime())
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next")))
        throttle.note_failure(name)
        form.password.errors.append(gettext("Wrong username or password, or the account is disabled."))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@access(ANYONE)
def logout():
    """Sign out (POST). GET shows the confirmation, which warns about unsent records.

    Signing out ends the session on the server: a copy of its cookies is useless after.
    """
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            session_id = getattr(current_user, "session_id", None)
            if session_id:
                db = get_db()
                user_id = end_session(db, session_id)
                with write_transaction(db):
                    audit.record(db, "sign_out", user_id, current_user.username)
            logout_user()
        flash(gettext("You are signed out."))
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)
