"""Sessions end on the server (issue 9, item 4), and sign-out is audited (item 12).

A copied ``session`` or ``remember_token`` cookie must be useless once its session ended:
by sign-out, a password reset, disabling the account, or expiry. A facilitator offline for
weeks (up to SESSION_DAYS since last use) still syncs when back.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from conftest import Auth, csrf_from
from support_coordinators import item, session

COOKIES = ("session", "remember_token")


def copy_cookies(source, target, names=COOKIES):
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value)


def sign_out(client):
    token = csrf_from(client.get("/logout").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def signed_in(client) -> bool:
    return client.get("/api/v1/surveys", headers={"Accept": "application/json"}).status_code == 200


def sync_one(client) -> int:
    csrf = client.get("/api/v1/csrf").json["csrf_token"]
    body = {"submissions": [item(session(0))]}
    return client.post("/api/v1/submissions", json=body, headers={"X-CSRFToken": csrf}).status_code


def test_copied_cookies_are_useless_after_sign_out(app, client, auth, db):
    auth.login("facilitator")
    thief, remember_only = app.test_client(), app.test_client()
    copy_cookies(client, thief)
    copy_cookies(client, remember_only, ["remember_token"])
    assert signed_in(thief) and signed_in(remember_only), "the copies work while the session is open"
    sign_out(client)
    assert not signed_in(client)
    assert not signed_in(thief), "a copied session cookie still works after sign-out"
    assert not signed_in(remember_only), "a copied remember cookie still works after sign-out"
    assert thief.get("/").status_code == 302
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["sign_in", "sign_out"]


def test_the_remember_token_is_new_at_every_sign_in_and_stored_hashed(app, db):
    first, second = app.test_client(), app.test_client()
    Auth(first).login("facilitator")
    Auth(second).login("facilitator")
    one = first.get_cookie("remember_token").value
    two = second.get_cookie("remember_token").value
    assert one != two, "the remember token must be rotated per sign-in"
    session_id = one.split("|")[0]
    rows = [r[0] for r in db.execute("SELECT id_hash FROM user_sessions")]
    assert hashlib.sha256(session_id.encode()).hexdigest() in rows
    assert not [r for r in rows if session_id in r], "only the hash is stored"
    sign_out(first)
    assert signed_in(second), "signing out one phone leaves the other signed in"


def test_a_password_reset_and_a_disable_end_every_copy(app, client, auth, db):
    phone, copy = app.test_client(), app.test_client()
    Auth(phone).login("facilitator")
    copy_cookies(phone, copy, ["remember_token"])
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": "brand-new-pass"})
    assert not signed_in(phone) and not signed_in(copy)
    Auth(phone).login("facilitator", "brand-new-pass")
    assert signed_in(phone)
    client.post(f"/admin/users/{user_id}/active", data={"csrf_token": token})
    assert not signed_in(phone)
    reasons = {
        r[0] for r in db.execute("SELECT ended_reason FROM user_sessions WHERE user_id = ?", [user_id])
    }
    assert reasons == {"password_reset", "disabled"}


def _age_session(db, days_idle: int, days_since_sign_in: int, session_days: int = 30):
    now = datetime.now(UTC)
    seen, created = now - timedelta(days=days_idle), now - timedelta(days=days_since_sign_in)
    expires = min(seen + timedelta(days=session_days), created + timedelta(days=90))
    db.execute(
        "UPDATE user_sessions SET created_at = ?, last_seen_at = ?, expires_at = ?",
        [created.isoformat(), seen.isoformat(), expires.isoformat()],
    )
    db.conn.commit()


def test_a_facilitator_back_after_three_weeks_offline_still_syncs(app, client, auth, db):
    auth.login("facilitator")
    _age_session(db, days_idle=21, days_since_sign_in=25)
    assert sync_one(client) == 200, "three weeks offline must not lose the sign-in"
    seen = db.execute("SELECT last_seen_at, expires_at FROM user_sessions").fetchone()
    assert datetime.fromisoformat(seen[1]) > datetime.now(UTC) + timedelta(days=29), "expiry slides"
    assert client.get_cookie("remember_token") is not None


def test_an_idle_or_too_old_session_ends(app, client, auth, db):
    auth.login("facilitator")
    _age_session(db, days_idle=31, days_since_sign_in=31)
    assert sync_one(client) == 401, "past SESSION_DAYS idle the phone hears: sign in again"
    Auth(client).login("facilitator")
    _age_session(db, days_idle=0, days_since_sign_in=91)
    db.execute(
        "UPDATE user_sessions SET expires_at = ?", [(datetime.now(UTC) - timedelta(days=1)).isoformat()]
    )
    db.conn.commit()
    assert not signed_in(client)


def test_sessions_from_before_the_upgrade_end(app, client):
    """A cookie of the old scheme ("<user id>:<epoch>") names no session: it signs nobody in."""
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie("3:0"))
    assert not signed_in(client)
