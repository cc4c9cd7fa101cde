"""Admins add, disable, enable and reset users, and list and revoke API tokens.

Every change goes to the audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import audit
from ..auth.access import access
from ..auth.forms import ConfirmForm, NewUserForm, ResetPasswordForm
from ..auth.passwords import password_rule
from ..auth.tokens import TokenError, list_tokens, revoke_token
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
            form[exc.field].errors.append(str(exc))
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
        password_rule=password_rule(),
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
    revoked = set_active(db, user.id, not user.active)
    with write_transaction(db):
        details = {"tokens_revoked": revoked} if user.active else {}
        audit.record(
            db,
            "user_enabled" if not user.active else "user_disabled",
            current_user.id,
            user.username,
            **details,
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
        revoked = reset_password(db, user.id, form.password.data)
    except UserError as exc:
        raise BadRequest(str(exc)) from exc
    with write_transaction(db):
        audit.record(db, "password_reset", current_user.id, user.username, tokens_revoked=revoked)
    flash(gettext("New password set for %(name)s.", name=user.username))
    return redirect(url_for("admin.users"))


@bp.get("/tokens")
@access("admin")
def tokens():
    """Every API token (never the token itself): whose, what for, its state; revoke buttons."""
    return render_template("admin/tokens.html", tokens=list_tokens(get_db()), confirm=ConfirmForm())


@bp.post("/tokens/<int:token_id>/revoke")
@access("admin")
def revoke(token_id: int):
    """Revoke one API token at once; scripts using it get 401 from now on."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise BadRequest(gettext("Reload the page and try again."), form.errors)
    db = get_db()
    try:
        row = revoke_token(db, token_id)
    except TokenError as exc:
        raise NotFound(gettext("No such token.")) from exc
    with write_transaction(db):
        audit.record(db, "token_revoked", current_user.id, row["username"], token_id=token_id, via="admin")
    flash(gettext("Token %(id)s of %(name)s is revoked.", id=token_id, name=row["username"]))
    return redirect(url_for("admin.tokens"))
