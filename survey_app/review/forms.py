"""The review forms (flask-wtf, CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..records.review_states import REVIEW_STATES, STATE_LABELS
from .states import MAX_COMMENT


class ReviewForm(FlaskForm):
    state = SelectField(
        _l("Review state"),
        choices=[SelectChoice(s, STATE_LABELS[s]) for s in REVIEW_STATES],
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)])
    submit = SubmitField(_l("Save review"))


class CorrectionForm(FlaskForm):
    answers = TextAreaField(_l("Answers (JSON)"), validators=[DataRequired(), Length(max=1_000_000)])
    comment = TextAreaField(
        _l("Why this correction (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)]
    )
    submit = SubmitField(_l("Check and save the correction"))


class ResolveForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("keep", _l("Keep the stored answers")),
            SelectChoice("adopt", _l("Use this copy's answers instead")),
        ],
        validators=[DataRequired()],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)])
    submit = SubmitField(_l("Decide"))
