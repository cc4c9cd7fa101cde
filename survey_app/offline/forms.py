"""The upload form for a phone's backup file (flask-wtf: CSRF on)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class ImportForm(FlaskForm):
    file = FileField(
        "Backup file from a phone (.json)",
        validators=[
            FileRequired("Choose the backup file first."),
            FileAllowed(["json"], "Choose the .json file the phone saved."),
        ],
    )
    submit = SubmitField("Import")
