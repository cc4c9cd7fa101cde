"""Static files: release-stamped URLs cached for a year, compression, no cookies.

* ``url_for('static', filename=...)`` builds ``/static/r/<release>/<file>`` for CSS, images
  and fonts. Those URLs name one release's bytes, so browsers and proxies may keep them a
  year (``immutable``); a new release is a new URL. JavaScript keeps its plain
  ``/static/js/...`` URL: ES modules import each other and are imported by tests and pages
  under that one URL, and a second URL for the same module would load a second copy of it
  (with no build step and a strict CSP there is no import map to alias them). Plain URLs
  answer ``no-cache`` with an ETag: browsers revalidate, an unchanged file costs a 304.
* Flask-Compress compresses text (gzip) for ``survey-app serve`` with no proxy in front;
  deploy/'s nginx asks the app for identity bytes and compresses itself, by the same rule.
  HTML is compressed only when no visitor-supplied text can be in it: a GET with no query
  string. Pages carry CSRF tokens, and a page that reflects what it was sent (a search, a
  ``?next=``, a form shown again with its errors) next to a secret is what the BREACH
  attack measures; those stay uncompressed (they are small). The form pages, which carry
  their definition and are most of a first visit, have no query string.
* Static responses drop ``Vary: Cookie`` and ``Set-Cookie``: the same bytes go to everyone,
  and a cookie on a cached file is a cookie leaked into caches.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, request
from flask_compress import Compress
from werkzeug.security import safe_join

from .paths import STATIC_DIR

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
UNVERSIONED_SUFFIXES = {".js"}  # ES modules keep one URL each (see the module doc)
COMPRESSED_TYPES = [
    "text/html",  # only for GETs without a query string: see _compress
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]

compress = Compress()
_files: dict[Path, tuple[float, bytes]] = {}


def _read(path: Path) -> bytes:
    """The file's bytes, kept in memory while its modification time stays the same."""
    mtime = path.stat().st_mtime
    cached = _files.get(path)
    if cached is None or cached[0] != mtime:
        cached = _files[path] = (mtime, path.read_bytes())
    return cached[1]


def static_file(filename: str, release: str | None = None):
    """Serve one file of ``static/``; cached a year when the URL names the running release."""
    from .offline.release import release_id

    found = safe_join(str(STATIC_DIR), filename)
    if found is None or not Path(found).is_file():
        abort(404)
    path = Path(found)
    response = Response(_read(path), mimetype=_mimetype(path))
    response.last_modified = path.stat().st_mtime
    response.add_etag()
    if release is not None and release == release_id():
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _mimetype(path: Path) -> str:
    import mimetypes

    if path.suffix == ".js":
        return "text/javascript"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _stamp_release(endpoint: str, values: dict) -> None:
    """``url_defaults``: static URLs of versioned files carry the running release."""
    if endpoint != "static" or "release" in values:
        return
    filename = values.get("filename", "")
    if Path(filename).suffix not in UNVERSIONED_SUFFIXES:
        from .offline.release import release_id

        values["release"] = release_id()


class StaticWithoutCookies:
    """WSGI middleware: no ``Vary: Cookie`` or ``Set-Cookie`` on ``/static/`` responses."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            kept = []
            for name, value in headers:
                lower = name.lower()
                if lower == "set-cookie":
                    continue
                if lower == "vary":
                    value = ", ".join(v.strip() for v in value.split(",") if v.strip().lower() != "cookie")
                    if not value:
                        continue
                kept.append((name, value))
            return start_response(status, kept, exc_info)

        return self.wsgi_app(environ, start)


def _compress(response):
    """``after_request``: compress, except HTML that may reflect a visitor's input (BREACH)."""
    if response.mimetype == "text/html" and (request.method != "GET" or request.query_string):
        return response
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    app.add_url_rule("/static/r/<release>/<path:filename>", endpoint="static", view_func=static_file)
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=static_file)
    app.url_defaults(_stamp_release)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])  # what nginx sends too; every browser has it
    app.config.setdefault("COMPRESS_STREAMS", False)  # exports stream as they are
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config["COMPRESS_REGISTER"] = False  # registered below, with the BREACH rule
    compress.init_app(app)
    if app.config["COMPRESS_MIMETYPES"]:
        app.after_request(_compress)
    app.wsgi_app = StaticWithoutCookies(app.wsgi_app)
