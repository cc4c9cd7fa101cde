"""Jinja helpers shared by every page."""

from __future__ import annotations

import re

from flask import Flask

from .capture.formdata import summary_fields
from .capture.markdown import inline_markdown
from .languages.texts import direction, translate
from .xlsform.media import media_items


def field_id(key: str) -> str:
    """A valid, unique HTML id for a field key such as ``networks[0].org_name``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


# What each input type keeps: a browser blanks a value its type cannot hold, so such a
# value (a re-shown "12a", a stored datetime with an offset) is shown in a text box instead.
INPUT_TYPES = {
    "integer": ("number", re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")),
    "decimal": ("number", re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")),
    "date": ("date", re.compile(r"\d{4}-\d{2}-\d{2}")),
    "time": ("time", re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?")),
    "datetime": ("datetime-local", re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?")),
}


def input_type(kind: str, value: object) -> str:
    """The ``<input type>`` for a question type that can show this value."""
    found = INPUT_TYPES.get(kind)
    if found is None:
        return "text"
    html_type, holds = found
    text = "" if value is None else str(value)
    return html_type if text == "" or holds.fullmatch(text) else "text"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["t"] = translate
    app.jinja_env.filters["field_id"] = field_id
    app.jinja_env.filters["md"] = inline_markdown
    app.jinja_env.globals["direction"] = direction
    app.jinja_env.globals["summary_fields"] = summary_fields
    app.jinja_env.globals["input_type"] = input_type
    app.jinja_env.globals["form_media"] = media_items
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
