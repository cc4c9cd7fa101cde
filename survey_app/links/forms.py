"""Coordinator forms for public links (flask-wtf: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .model import LABEL_MAX, MAX_SUBMISSIONS_LIMIT


class NewLinkForm(FlaskForm):
    survey = SelectField(_l("Survey"), validators=[DataRequired(_l("This field is required."))])
    label = StringField(
        _l("Label (who the link is for)"),
        validators=[DataRequired(_l("This field is required.")), Length(max=LABEL_MAX)],
        description=_l("For example: Likoni women's group, March. Shown only to coordinators."),
    )
    expires = DateField(
        _l("Last day it works (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for no end date. The link closes at the end of this day (UTC)."),
    )
    max_submissions = IntegerField(
        _l("Most answers it takes (optional)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_SUBMISSIONS_LIMIT)],
        description=_l("Leave empty for no limit."),
    )
    submit = SubmitField(_l("Create link"))


class LinkActionForm(FlaskForm):
    """Pause, resume or revoke: a button whose only field is the CSRF token."""

    submit = SubmitField(_l("Confirm"))
