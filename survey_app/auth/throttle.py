"""Failed sign-ins are throttled per account and per client address (OWASP ASVS V6.3).

Counters live in Flask-Limiter's storage (the same as the public links' limits: memory,
or Redis when several workers serve; ``links/ratelimit.py``) and count only *failed*
attempts, so a person who types their password right is never slowed. A counter is named
by an HMAC of the typed username or of the address (keyed by the app's secret), so the
store holds neither. The per-account counter counts names that do not exist too: its
429 reveals nothing about which names do. A correct sign-in clears its account counter.
If the counter store is down, sign-ins pass (as the links' limits do).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app
from limits import parse_many

from ..links.ratelimit import client_address, limiter

log = logging.getLogger(__name__)
NAMESPACE = "signin"


def _key(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(secret, f"{kind}:{value}".encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:24]}"


def _counters(username: str):
    config = current_app.config
    account = _key("account", username.strip().casefold())
    address = _key("address", client_address())
    for limit in parse_many(config["SIGNIN_RATE_PER_ACCOUNT"]):
        yield limit, account
    for limit in parse_many(config["SIGNIN_RATE_PER_ADDRESS"]):
        yield limit, address


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def wait_seconds(username: str) -> int:
    """Seconds until this name and address may try again; 0 when they may now."""
    if not _enabled():
        return 0
    try:
        strategy = limiter.limiter
        wait = 0
        for limit, key in _counters(username):
            if not strategy.test(limit, NAMESPACE, key):
                reset = strategy.get_window_stats(limit, NAMESPACE, key).reset_time
                wait = max(wait, int(reset - time.time()) + 1)
        return wait
    except Exception:  # the counter store is down: let the sign-in through
        log.warning("sign-in throttle unavailable")
        return 0


def note_failure(username: str) -> None:
    if not _enabled():
        return
    try:
        strategy = limiter.limiter
        for limit, key in _counters(username):
            strategy.hit(limit, NAMESPACE, key)
    except Exception:
        log.warning("sign-in throttle unavailable")


def note_success(username: str) -> None:
    if not _enabled():
        return
    try:
        strategy = limiter.limiter
        account = _key("account", username.strip().casefold())
        for limit in parse_many(current_app.config["SIGNIN_RATE_PER_ACCOUNT"]):
            strategy.clear(limit, NAMESPACE, account)
    except Exception:
        log.warning("sign-in throttle unavailable")
