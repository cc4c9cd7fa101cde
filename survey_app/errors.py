"""One error shape for the whole app, and one handler that answers HTML or JSON.

JSON errors always look like ``{"ok": false, "error": "...", "errors": {...}, "status": N}``
so the phone's sync code needs exactly one parser. Browsers get a readable page instead.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .serving import BodyStalled
from .storage import RETRY_AFTER_SECONDS, is_storage_fault, log_storage_fault

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error that knows its HTTP status and a message safe to show a user."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if status is not None:
            self.status = status


class BadRequest(AppError):
    status = 400


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Busy(AppError):
    status = 503


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON; people get pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(message: str, status: int, errors: dict | None = None, retry_after: int = 5):
    if wants_json():
        response = jsonify({"ok": False, "error": message, "errors": errors or {}, "status": status})
        response.status_code = status
    else:
        html = render_template("error.html", message=message, status=status, errors=errors or {})
        response = make_response(html, status)
    if status == 503:
        response.headers["Retry-After"] = str(retry_after)
    return response


def storage_message() -> str:
    """What a phone or a person reads when the disk refuses writes (translated when shown)."""
    return gettext(
        "The server cannot store anything right now (a storage problem). Nothing was lost:"
        " keep your records, they will be sent later."
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError):
        return error_response(exc.message, exc.status, exc.errors)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        return error_response(
            gettext(
                "Your session form expired or the security token is missing. Reload the page and try again."
            ),
            400,
            {"csrf": [exc.description]},
        )

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        messages = {
            404: gettext("Not found."),
            405: gettext("This method is not allowed here."),
            413: gettext("The request is too large."),
        }
        return error_response(messages.get(exc.code, exc.description), exc.code or 500)

    @app.errorhandler(BodyStalled)
    def handle_stalled(exc: BodyStalled):
        response = error_response(
            gettext("The upload stalled and was cut off. Nothing was lost: it will be sent again."), 408
        )
        response.headers["Connection"] = "close"  # the rest of the body never comes
        return response

    @app.errorhandler(OSError)
    def handle_os_error(exc: OSError):
        if is_storage_fault(exc):
            log_storage_fault(exc, app.config["DATABASE"])
            return error_response(storage_message(), 503, retry_after=RETRY_AFTER_SECONDS)
        log.exception("server error")
        return error_response(gettext("Internal error."), 500)

    @app.errorhandler(sqlite3.OperationalError)
    def handle_locked(exc: sqlite3.OperationalError):
        if is_storage_fault(exc):
            log_storage_fault(exc, app.config["DATABASE"])
            return error_response(
                gettext(
                    "The server cannot store anything right now (a storage problem). Nothing was lost:"
                    " keep your records, they will be sent later."
                ),
                503,
                retry_after=RETRY_AFTER_SECONDS,
            )
        if "locked" in str(exc) or "busy" in str(exc):
            return error_response(gettext("The server is busy. Nothing was lost: try again shortly."), 503)
        log.exception("database error")
        return error_response(gettext("Internal error."), 500)
