"""Upload forms (flask-wtf, CSRF on): an XLSForm workbook, a location-list CSV."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField


class XLSFormUpload(FlaskForm):
    file = FileField(
        "XLSForm workbook (.xlsx)",
        validators=[FileRequired("Choose a file."), FileAllowed(["xlsx"], "Choose an .xlsx file.")],
    )
    check_only = BooleanField("Only check the form, do not publish it")
    submit = SubmitField("Import")


class LocationsUpload(FlaskForm):
    survey = SelectField("Survey")
    file = FileField(
        "Location list (.csv, UTF-8)",
        validators=[FileRequired("Choose a file."), FileAllowed(["csv"], "Choose a .csv file.")],
    )
    submit = SubmitField("Publish a new version with these lists")
