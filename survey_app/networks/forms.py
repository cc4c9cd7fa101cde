"""The registry's forms (flask-wtf, CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .names import MAX_NAME


class EditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    org_type = SelectField(_l("Type"), choices=[], validators=[Optional()], validate_choice=True)
    does = TextAreaField(_l("What it does"), validators=[Optional(), Length(max=1000)])
    partner = SelectField(_l("Could partner"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Mark confirmed"))


class MergeForm(FlaskForm):
    into = SelectField(_l("Merge into"), choices=[], coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Merge"))
