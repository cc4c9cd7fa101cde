"""The access log holds no secrets and no answers: method, route pattern, status, duration.

A request line is full of things operators must not keep: a public link's token
(``/p/<token>``, ``/api/v1/links/<token>/...``) is the link's credential, ``?q=`` holds a
coordinator's search words (answers), ``?draft=`` a respondent's draft id. So the app
notes the matched route *pattern* in the WSGI environ (``/p/<token>``), and gunicorn's
``logger_class`` (``deploy/gunicorn.conf.py``) writes only that: no query string, no
address, no user agent, no referrer, no headers, no environ. A path no route matches
(a 404) is written with every long random-looking segment replaced by ``<redacted>``.
"""

from __future__ import annotations

import re

from flask import Flask, request
from gunicorn.glogging import Logger

ROUTE_KEY = "survey_app.route"
# Segments that look like a token or an id (12+ URL-safe characters with a digit or a
# mixed case), and whatever follows /p/ or /links/ whatever it looks like.
_SECRETISH = re.compile(r"^(?=.*[0-9_-])[A-Za-z0-9_-]{12,}$|^(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9_-]{12,}$")
_AFTER = {"p", "links"}
# The only atoms a format may use; everything else (headers, environ, address) is "-".
_KEPT = ("t", "s", "m", "H", "b", "B", "T", "D", "M", "L", "p")


def redact_path(path: str) -> str:
    """A path safe to log: token-like segments and link tokens become placeholders."""
    parts = path.split("/")
    out = []
    for index, part in enumerate(parts):
        if index and parts[index - 1] in _AFTER and part:
            out.append("<token>")
        elif _SECRETISH.match(part):
            out.append("<redacted>")
        else:
            out.append(part[:64])
    return "/".join(out)


def logged_path(environ: dict) -> str:
    """The route pattern the app matched, else the redacted path; never a query string."""
    return environ.get(ROUTE_KEY) or redact_path(environ.get("PATH_INFO") or "/")


class RedactedAccessLogger(Logger):
    """Gunicorn's logger, with request atoms reduced to what is safe to keep."""

    def atoms(self, resp, req, environ, request_time):
        full = super().atoms(resp, req, environ, request_time)
        path = logged_path(environ)
        safe = {key: full.get(key, "-") for key in _KEPT}
        safe.update(
            {
                "r": f"{full.get('m', '-')} {path} {full.get('H', '-')}",
                "U": path,
                "q": "",
                "h": "-",
                "u": "-",
                "l": "-",
                "f": "-",
                "a": "-",
            }
        )
        return safe  # gunicorn's SafeAtoms writes "-" for any other atom ({cookie}i...)


def init_app(app: Flask) -> None:
    @app.before_request
    def note_route_pattern():
        if request.url_rule is None:
            return
        # Static files carry no secret: their path says which file was served.
        static = request.endpoint == "static"
        request.environ[ROUTE_KEY] = request.path if static else request.url_rule.rule
