"""The plans' forms (flask-wtf, CSRF on every one). Choices are filled by the routes."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .model import STATUSES

STATUS_LABELS = {
    "planned": _l("Planned"),
    "under_way": _l("Under way"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
DECISION_LABELS = {"keep": _l("Keep"), "change": _l("Change"), "add": _l("Add"), "drop": _l("Drop")}


def choices(pairs) -> list[SelectChoice]:
    """wtforms' choice objects from (value, label) pairs or a dict of value -> label."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlanForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    areas = Checkboxes(_l("Areas (none: the whole city)"), choices=[])
    surveys = Checkboxes(_l("Surveys it answers (none: all)"), choices=[])
    period_start = DateField(_l("Period starts"), validators=[DataRequired()])
    period_end = DateField(_l("Period ends"), validators=[DataRequired()])
    review_dates = StringField(
        _l("Review dates (YYYY-MM-DD, separated by commas)"), validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField(_l("Save plan"))

    def validate_period_end(self, field):
        if self.period_start.data and field.data and field.data < self.period_start.data:
            raise ValidationError(_l("The period ends before it starts."))

    def validate_review_dates(self, field):
        try:
            self.review_dates_list()
        except ValueError as exc:
            raise ValidationError(_l("Write dates as YYYY-MM-DD, separated by commas.")) from exc

    def review_dates_list(self) -> list[date]:
        text = self.review_dates.data or ""
        return [date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()]


class ActionForm(FlaskForm):
    title = StringField(_l("Action"), validators=[DataRequired(), Length(max=300)])
    concerns = Checkboxes(_l("Concerns it answers"), choices=[])
    areas = Checkboxes(_l("Areas (none: all of the plan's areas)"), choices=[])
    partners = Checkboxes(_l("Partner organisations"), choices=[], coerce=int)
    owner = StringField(_l("Owner"), validators=[Optional(), Length(max=200)])
    start_date = DateField(_l("Starts"), validators=[Optional()])
    due_date = DateField(_l("Due"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=choices((s, STATUS_LABELS[s]) for s in STATUSES))
    submit = SubmitField(_l("Save action"))

    def validate_due_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("Due before it starts."))


class NoteForm(FlaskForm):
    noted_on = DateField(_l("Date"), validators=[DataRequired()], default=date.today)
    body = TextAreaField(_l("Progress note"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Add note"))


class ReviewRunForm(FlaskForm):
    period_start = DateField(_l("Review period starts"), validators=[DataRequired()])
    period_end = DateField(_l("Review period ends"), validators=[DataRequired()])
    submit = SubmitField(_l("Run the review"))

    def validate_period_end(self, field):
        if self.period_start.data and field.data and field.data < self.period_start.data:
            raise ValidationError(_l("The period ends before it starts."))


class DecisionForm(FlaskForm):
    action = HiddenField()
    decision = SelectField(_l("Decision"), choices=choices(DECISION_LABELS))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record decision"))


class PublishForm(FlaskForm):
    area = HiddenField()
    submit = SubmitField(_l("Publish this page"))


class WithdrawForm(FlaskForm):
    area = HiddenField()
    submit = SubmitField(_l("Withdraw the page"))
