"""Jinja helpers shared by every page."""

from __future__ import annotations

import re

from flask import Flask

from .capture.formdata import summary_fields
from .capture.markdown import inline_markdown
from .languages.texts import direction, translate


def field_id(key: str) -> str:
    """A valid, unique HTML id for a field key such as ``networks[0].org_name``."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["t"] = translate
    app.jinja_env.filters["field_id"] = field_id
    app.jinja_env.filters["md"] = inline_markdown
    app.jinja_env.globals["direction"] = direction
    app.jinja_env.globals["summary_fields"] = summary_fields
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
