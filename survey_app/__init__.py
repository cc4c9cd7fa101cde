"""Offline-first field survey app for community listening sessions.

``create_app()`` builds the Flask app: settings from the environment, the database
(opened lazily, per request), accounts, and one blueprint per capability.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from .paths import STATIC_DIR  # noqa: F401  (re-exported: the checkout's static/ or the wheel's)

__version__ = "0.1.0"


csrf = CSRFProtect()
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` overrides settings (tests use their own files)."""
    from . import accesslog, assets, db, errors, headers, serving, templating
    from .auth.loaders import init_app as init_auth
    from .settings import load_settings

    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=None,  # survey_app/assets.py serves static/ (release URLs, caching)
    )
    app.config.from_mapping(load_settings(app.instance_path))
    if test_config:
        app.config.update(test_config)
    days = app.config["SESSION_DAYS"]
    app.config.update(
        MAX_CONTENT_LENGTH=app.config["MAX_BODY_BYTES"],
        PERMANENT_SESSION_LIFETIME=timedelta(days=days),
        REMEMBER_COOKIE_DURATION=timedelta(days=days),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SECURE_COOKIES"],
        REMEMBER_COOKIE_SECURE=app.config["SECURE_COOKIES"],
        # CSRF tokens must outlive days offline: a form opened on Monday is sent on Friday.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_CHECK_DEFAULT=False,
        APP_VERSION=__version__,
    )

    db.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    init_auth(app)
    templating.init_app(app)
    accesslog.init_app(app)
    headers.init_app(app)

    @app.before_request
    def pages_take_forms_not_json():
        # flask-wtf reads a JSON body as form data and fails on anything but an object;
        # pages take HTML forms, so JSON sent to one is refused plainly (the API takes JSON).
        if request.method == "POST" and request.is_json and not request.path.startswith("/api/"):
            from .errors import AppError

            raise AppError("This page takes a form, not JSON.", status=415)

    @app.before_request
    def protect_forms():
        # Browsers must prove the request came from our page; token-authenticated
        # scripts carry no cookie, so cross-site forgery does not apply to them.
        from .auth.access import requires_sign_in, token_authenticated

        # A public link's URL token is its credential: it carries no cookie privileges.
        if getattr(app.view_functions.get(request.endpoint), "token_is_credential", False):
            return
        # Only a request signed in by a *valid* API token skips the check: any other
        # "Authorization: Bearer" header is anonymous and cookies do not count with it.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not token_authenticated():
            # A phone whose session expired must hear "sign in again" (401), not a
            # CSRF complaint, so it keeps its outbox and asks the person to sign in.
            if request.path.startswith("/api/") and requires_sign_in(
                app.view_functions.get(request.endpoint)
            ):
                from flask_login import current_user

                from .errors import Unauthorized

                if not current_user.is_authenticated:
                    raise Unauthorized("Sign in again: your session has expired. Nothing was lost.")
            csrf.protect()

    @app.before_request
    def start_indexer():
        # The derived index is filled off the request path, by one thread per server,
        # started at the first request (no connection may be opened before gunicorn forks).
        if app.config["INDEX_IN_BACKGROUND"] and not app.testing:
            from .records.derived_index import start_background

            start_background(app.config["DATABASE"], app.config["BUSY_TIMEOUT_MS"])

    _register_blueprints(app)
    serving.init_app(app)  # body-read timeout, and proxy headers only from trusted proxies
    return app


def _register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .capture.routes import bp as capture_bp
    from .coordinator.routes import bp as coordinator_bp
    from .exports.routes import bp as exports_bp
    from .main.routes import bp as main_bp
    from .offline.routes import bp as offline_bp
    from .sync.routes import bp as sync_bp

    for blueprint in (main_bp, auth_bp, admin_bp, capture_bp, api_bp, sync_bp, exports_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(coordinator_bp)
    app.register_blueprint(offline_bp)  # service worker, manifest, backup import
    from .links.api import bp as link_api_bp
    from .links.public import bp as public_links_bp
    from .links.routes import bp as links_bp

    for blueprint in (links_bp, public_links_bp, link_api_bp):  # public feedback links
        app.register_blueprint(blueprint)
    from .forms_admin.routes import bp as forms_admin_bp

    app.register_blueprint(forms_admin_bp)  # XLSForm import, location lists
    from .dashboard.routes import bp as dashboard_bp
    from .review.routes import bp as review_bp

    for blueprint in (review_bp, dashboard_bp):  # coordinators: review queue, dashboard
        app.register_blueprint(blueprint)
    from .languages import bp as languages_bp

    app.register_blueprint(languages_bp)  # Flask-Babel, the language choice and switcher
    from .networks.routes import bp as networks_bp
    from .plans.public import bp as heard_bp
    from .plans.routes import bp as plans_bp

    for blueprint in (networks_bp, plans_bp, heard_bp):  # registry, action plans, "what we heard"
        app.register_blueprint(blueprint)
    from .attachments.routes import bp as attachments_bp

    app.register_blueprint(attachments_bp)  # record files: tus uploads, downloads, media zip
    from .attachments.backup import init_app as init_backup_imports

    init_backup_imports(app)  # backup files with photos may exceed MAX_BODY_BYTES
