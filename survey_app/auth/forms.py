"""Sign-in and account forms (flask-wtf: CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .passwords import MIN_LENGTH
from .users import ROLES

# Labels and messages are lazy: translated when the page is rendered, in its language.
REQUIRED = _l("This field is required.")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class NewUserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED), Length(max=64)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, _l(r.capitalize())) for r in ROLES], default="facilitator"
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(REQUIRED), Length(min=MIN_LENGTH, max=200)]
    )
    submit = SubmitField(_l("Add user"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(REQUIRED), Length(min=MIN_LENGTH, max=200)]
    )
    submit = SubmitField(_l("Set password"))


class ConfirmForm(FlaskForm):
    """An empty form: a button whose only field is the CSRF token."""

    submit = SubmitField(_l("Confirm"))
