"""Rate limits on the public links (Flask-Limiter), per link and per client address.

Counters live in memory by default, or in Redis (``SURVEY_APP_RATELIMIT_STORAGE_URI``)
when several workers must share them. Neither ever holds an address: the key is a keyed
hash of it (HMAC with the app's secret), and nothing about the address reaches the
database. Counters only ever count requests, never records, so a phone holding many
offline records is slowed, not locked out. If the counter store is down, requests pass:
losing a limit for a while is better than refusing a respondent's answers.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app, request
from flask_limiter import Limiter

from .model import token_digest


def client_address() -> str:
    """The client's address; ``X-Forwarded-For`` counts only for the configured proxies.

    ``survey_app/serving.py`` applies ``TRUSTED_PROXIES`` once for the whole app (ProxyFix),
    so ``remote_addr`` already is the client's address behind a trusted proxy.
    """
    return request.remote_addr or "unknown"


def address_key() -> str:
    """A keyed hash of the client's address: counts per address, stores no address."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, client_address().encode("utf-8"), hashlib.sha256).hexdigest()
    return "addr:" + digest[:24]


def link_key() -> str:
    """One counter per link, named by its token's hash (the token itself is a credential)."""
    token = (request.view_args or {}).get("token", "")
    return "link:" + token_digest(token)[:24]


limiter = Limiter(key_func=address_key)


def per_address() -> str:
    return current_app.config["LINK_RATE_PER_ADDRESS"]


def per_link() -> str:
    return current_app.config["LINK_RATE_PER_LINK"]


def pages_per_address() -> str:
    return current_app.config["LINK_PAGE_RATE"]


# Form posts and sync batches of one link share one budget, and so do those of one address.
submit_per_link = limiter.shared_limit(per_link, scope="link-submit", key_func=link_key)
submit_per_address = limiter.shared_limit(per_address, scope="link-submit-addr", key_func=address_key)
pages_per_addr = limiter.shared_limit(pages_per_address, scope="link-pages", key_func=address_key)


def init_app(app: Flask) -> None:
    """Configure and attach the limiter (called once when the links blueprint registers)."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "survey_app")
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
