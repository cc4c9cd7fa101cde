"""The WSGI entry point gunicorn loads: ``survey_app.wsgi:app``."""

from . import create_app

app = create_app()
