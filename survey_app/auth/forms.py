"""Sign-in and account forms (flask-wtf: CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .passwords import MIN_LENGTH
from .users import ROLES


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Sign in")


class NewUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    role = SelectField(
        "Role", choices=[SelectChoice(r, r.capitalize()) for r in ROLES], default="facilitator"
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)])
    submit = SubmitField("Add user")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)])
    submit = SubmitField("Set password")


class ConfirmForm(FlaskForm):
    """An empty form: a button whose only field is the CSRF token."""

    submit = SubmitField("Confirm")
