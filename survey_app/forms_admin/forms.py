"""Upload forms (flask-wtf, CSRF on): an XLSForm workbook, a location-list CSV."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, SelectField, SubmitField


class XLSFormUpload(FlaskForm):
    file = FileField(
        _l("XLSForm workbook (.xlsx)"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["xlsx"], _l("Choose an .xlsx file."))],
    )
    attachments = MultipleFileField(
        _l("Form attachments (the CSV, XML, GeoJSON and media files the form names)"),
        validators=[
            FileAllowed(
                [
                    "csv",
                    "xml",
                    "geojson",
                    "json",
                    "png",
                    "jpg",
                    "jpeg",
                    "gif",
                    "svg",
                    "mp3",
                    "wav",
                    "m4a",
                    "ogg",
                    "mp4",
                    "webm",
                ],
                _l("Form attachments are CSV, XML, GeoJSON, image, audio or video files."),
            )
        ],
    )
    check_only = BooleanField(_l("Only check the form, do not publish it"))
    submit = SubmitField(_l("Import"))


class LocationsUpload(FlaskForm):
    survey = SelectField(_l("Survey"))
    file = FileField(
        _l("Location list (.csv, UTF-8)"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(["csv"], _l("Choose a .csv file."))],
    )
    submit = SubmitField(_l("Publish a new version with these lists"))
