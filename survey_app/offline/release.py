"""The release id and the list of URLs a phone keeps for offline use.

A release id names one set of static files: the service worker embeds it, so any change
to a JavaScript, CSS or icon file (or to the app version) makes browsers see a new worker,
which fills fresh caches and waits until it may take over.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, url_for

from .. import STATIC_DIR, __version__
from ..surveys.registry import get_definition, list_surveys
from ..surveys.schema import FILE_TYPES, walk
from ..xlsform.media import media_urls

# Kept for offline use. PNG icons are left out: only the browser's install uses them (it
# fetches them itself), and a phone on prepaid data should not pay for them on every
# release; anything not kept is fetched on demand and cached then.
SHELL_SUFFIXES = {".js", ".css", ".svg", ".webmanifest", ".woff2"}
WORKER_FILE = STATIC_DIR / "sw.js"
# Only a public link's pages use these; a signed-in phone fetches them if it opens a link.
PUBLIC_ONLY = {"js/publicform.js", "js/publictexts.js", "js/linkstatus.js"}
# Styles of pages no phone keeps offline (plans, "what we heard"): fetched when shown.
NOT_OFFLINE = {"css/plans.css"}
# Each capture module, with the question types that need it (static/js/capture/index.js).
CAPTURE_INDEX = "js/capture/index.js"
CAPTURE_MODULES = {
    "js/capture/files.js": FILE_TYPES,
    "js/capture/barcode.js": {"barcode"},
    "js/capture/location.js": {"geopoint", "geotrace", "geoshape"},
}

_static_hash: dict[Path, str] = {}


def static_files() -> list[Path]:
    """The static files of the app shell, in a stable order (the worker itself excluded)."""
    return sorted(
        path
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES and path != WORKER_FILE
    )


def static_hash() -> str:
    """A hash of every static file and the worker script, computed once per process."""
    if STATIC_DIR not in _static_hash:
        digest = hashlib.sha256()
        files = sorted(path for path in STATIC_DIR.rglob("*") if path.is_file())
        for path in files:
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes() if path.exists() else b"")
        _static_hash[STATIC_DIR] = digest.hexdigest()[:12]
    return _static_hash[STATIC_DIR]


def release_id() -> str:
    """``<app version>-<static hash>``, or ``OFFLINE_RELEASE`` from the config if set.

    The override exists for deployments that stamp their own build id, and for tests
    that simulate a new release without editing files.
    """
    return current_app.config.get("OFFLINE_RELEASE") or f"{__version__}-{static_hash()}"


def capture_modules(db) -> set[str]:
    """The capture modules the account's forms need (static/js/capture/index.js loads them)."""
    kinds: set[str] = set()
    for survey in list_surveys(db):
        definition = get_definition(db, survey["id"])
        if definition:
            kinds.update(q["type"] for q in walk(definition["questions"]))
    needed = {module for module, types in CAPTURE_MODULES.items() if kinds & types}
    return needed | {CAPTURE_INDEX} if needed else set()


def shell_urls(db=None) -> list[str]:
    """Static URLs a phone keeps: all of them before sign-in (a public link's phone), and
    for an account only what its pages use: no public-link scripts, and only the capture
    modules its forms need. Anything left out is fetched when first used, and kept then."""
    paths = [
        p
        for p in (path.relative_to(STATIC_DIR).as_posix() for path in static_files())
        if p not in NOT_OFFLINE
    ]
    if db is not None:
        wanted = capture_modules(db)
        paths = [
            p for p in paths if p not in PUBLIC_ONLY and (not p.startswith("js/capture/") or p in wanted)
        ]
    return ["/manifest.webmanifest"] + [url_for("static", filename=path) for path in paths]


def page_urls(db) -> list[str]:
    """Pages rendered for the signed-in account (cleared on sign-out).

    Definitions are not listed: each form page carries its own inline, and the worker
    keeps a definition fetched from the API the first time one is.
    """
    urls = [url_for("main.home"), url_for("auth.logout")]
    for survey in list_surveys(db):
        urls.append(url_for("capture.form_page", survey_id=survey["id"]))
        definition = get_definition(db, survey["id"])
        if definition and definition.get("attachments"):  # its images and recordings too
            from ..capture.routes import media_base  # the blueprint imports this module's users

            urls += media_urls(definition, media_base(definition))
    urls.append(url_for("networks.picker"))  # the form's organisation picker, offline
    return urls
