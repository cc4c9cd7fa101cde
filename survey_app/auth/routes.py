"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..db import get_db, write_transaction
from .access import ANYONE, access
from .forms import ConfirmForm, LoginForm
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
    """Show the sign-in form and sign in; the session lasts for weeks of field work."""
    form = LoginForm()
    if form.validate_on_submit():
        db = get_db()
        user = authenticate(db, form.username.data, form.password.data)
        with write_transaction(db):
            audit.record(
                db,
                "sign_in" if user else "sign_in_failed",
                user.id if user else None,
                target=form.username.data.strip()[:64],
            )
        if user:
            login_user(user, remember=True)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(gettext("Wrong username or password, or the account is disabled."))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@access(ANYONE)
def logout():
    """Sign out (POST). GET shows the confirmation, which warns about unsent records."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            logout_user()
        flash(gettext("You are signed out."))
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)
