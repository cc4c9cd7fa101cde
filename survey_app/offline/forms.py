"""The upload form for a phone's backup file (flask-wtf: CSRF on)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class ImportForm(FlaskForm):
    file = FileField(
        _l("Backup file from a phone (.json)"),
        validators=[
            FileRequired(_l("Choose the backup file first.")),
            FileAllowed(["json"], _l("Choose the .json file the phone saved.")),
        ],
    )
    submit = SubmitField(_l("Import"))
