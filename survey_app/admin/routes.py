"""Admins add, disable, enable and reset users; every change goes to the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import audit
from ..auth.access import access
from ..auth.forms import ConfirmForm, NewUserForm, ResetPasswordForm
from ..auth.users import UserError, create_user, get_user, list_users, reset_password, set_active
from ..db import get_db, write_transaction
from ..errors import BadRequest, NotFound

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@access("admin")
def users():
    """List accounts and add one."""
    db = get_db()
    form = NewUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(db, form.username.data, form.password.data, form.role.data)
        except UserError as exc:
            form.username.errors.append(str(exc))
        else:
            with write_transaction(db):
                audit.record(db, "user_created", current_user.id, user.username, role=user.role)
            flash(gettext("Added %(name)s (%(role)s).", name=user.username, role=user.role))
            return redirect(url_for("admin.users"))
    if form.errors:
        status = 400
    return render_template(
        "admin/users.html",
        form=form,
        users=list_users(db),
        confirm=ConfirmForm(),
        reset=ResetPasswordForm(),
    ), status


def _target(user_id: int):
    user = get_user(get_db(), user_id)
    if user is None:
        raise NotFound(gettext("No such user."))
    return user


@bp.post("/users/<int:user_id>/active")
@access("admin")
def toggle_active(user_id: int):
    """Disable (signs them out everywhere) or re-enable an account."""
    db = get_db()
    user = _target(user_id)
    if user.id == current_user.id:
        raise BadRequest(gettext("You cannot disable your own account."))
    set_active(db, user.id, not user.active)
    with write_transaction(db):
        audit.record(
            db,
            "user_enabled" if not user.active else "user_disabled",
            current_user.id,
            user.username,
        )
    if user.active:
        flash(gettext("%(name)s is now disabled.", name=user.username))
    else:
        flash(gettext("%(name)s is now enabled.", name=user.username))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@access("admin")
def set_password(user_id: int):
    """Set a new password (signs the person out on every device)."""
    db = get_db()
    user = _target(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        raise BadRequest(gettext("The new password is not acceptable."), form.errors)
    try:
        reset_password(db, user.id, form.password.data)
    except UserError as exc:
        raise BadRequest(str(exc)) from exc
    with write_transaction(db):
        audit.record(db, "password_reset", current_user.id, user.username)
    flash(gettext("New password set for %(name)s.", name=user.username))
    return redirect(url_for("admin.users"))
