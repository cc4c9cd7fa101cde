"""Security headers on every response (OWASP Secure Headers; ASVS V3/V14).

* ``Content-Security-Policy``: scripts, styles, images, connections only from this
  origin, no inline script or style (the pages carry none: data for scripts travels in
  ``<script type="application/json">`` blocks, which are data, not code), no plugins, no
  framing (``frame-ancestors 'none'``: no clickjacking of the review or sign-in pages),
  forms post only here, ``<base>`` is refused.
* ``X-Content-Type-Options: nosniff``: an uploaded or exported file is never run as script.
* ``Referrer-Policy: no-referrer``: public-link tokens are in URLs (``/p/<token>``); a
  link on such a page must not hand the token to another site.
* ``Strict-Transport-Security`` when ``SECURE_COOKIES`` is on (the app is behind TLS).
* ``Cache-Control: no-store`` on everything a signed-in person sees that the service
  worker does not keep: review pages and exports are not left in the browser's cache of a
  shared computer. What the worker keeps for offline work (``OFFLINE_PAGE``, the same
  paths as ``KEPT_PAGE`` and ``DEFINITION`` in ``static/sw.js``) gets ``private, no-cache``:
  the worker stores it, no shared cache does, and the browser always revalidates. A
  response that already says how to cache it (static files, the worker) is left alone.
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",  # blob: previews of photos taken on the phone
        "media-src 'self' blob:",  # blob: previews of recordings and videos
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000"
# Pages and definitions the service worker keeps (static/sw.js: KEPT_PAGE, DEFINITION).
OFFLINE_PAGE = re.compile(
    r"^/(forms/[A-Za-z0-9_-]+|logout|p/[A-Za-z0-9_-]+(/thanks)?)?$"
    r"|^/api/v1/(surveys/[A-Za-z0-9_-]+|links/[A-Za-z0-9_-]+/survey|registry/organisations)$"
)


def cache_policy(path: str) -> str:
    """The Cache-Control a response of ours gets when its view did not set one."""
    return "private, no-cache" if OFFLINE_PAGE.match(path) else "no-store"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SECURE_COOKIES"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "Cache-Control" not in headers and request.endpoint != "static":
        headers["Cache-Control"] = cache_policy(request.path)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
