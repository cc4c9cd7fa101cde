"""Signing in and out, long sessions, and admins managing accounts."""

from __future__ import annotations

from conftest import PASSWORD, Auth, csrf_from


def test_sign_in_and_out(client, auth, db):
    response = auth.login("facilitator")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    token = csrf_from(client.get("/logout").text)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["sign_in", "sign_out"], "sign-out is audited (issue 9, item 12)"


def test_wrong_password_is_refused_and_audited(client, auth, db):
    response = auth.login("facilitator", password="wrong-password")
    assert response.status_code == 400
    assert "Wrong username or password" in response.text
    assert db.execute("SELECT action FROM audit_log").fetchone()[0] == "sign_in_failed"


def test_sign_in_needs_csrf(client):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_the_session_lasts_for_weeks(client, auth, app):
    auth.login("facilitator")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 30
    assert cookie.expires is not None


def test_next_only_follows_local_urls(client):
    token = csrf_from(client.get("/login").text)
    data = {"username": "facilitator", "password": PASSWORD, "csrf_token": token}
    evil = client.post("/login?next=https://evil.example/x", data=data)
    assert evil.headers["Location"] == "/"


def test_admin_adds_a_user_who_can_sign_in(app, client, auth, db):
    auth.login("admin")
    token = csrf_from(client.get("/admin/users").text)
    response = client.post(
        "/admin/users",
        data={"username": "amina", "role": "facilitator", "password": "a-long-password", "csrf_token": token},
    )
    assert response.status_code == 302
    assert Auth(app.test_client()).login("amina", "a-long-password").status_code == 302
    assert db.execute("SELECT action, target FROM audit_log WHERE action = 'user_created'").fetchone() == (
        "user_created",
        "amina",
    )


def test_admin_form_errors_are_400_not_500(client, auth):
    auth.login("admin")
    token = csrf_from(client.get("/admin/users").text)
    short = client.post(
        "/admin/users",
        data={"username": "x", "role": "facilitator", "password": "short", "csrf_token": token},
    )
    assert short.status_code == 400
    taken = client.post(
        "/admin/users",
        data={"username": "Admin", "role": "facilitator", "password": "long-enough-pw", "csrf_token": token},
    )
    assert taken.status_code == 400 and "taken" in taken.text
    bad_role = client.post(
        "/admin/users",
        data={"username": "y", "role": "king", "password": "long-enough-pw", "csrf_token": token},
    )
    assert bad_role.status_code == 400


def test_disabling_a_user_signs_them_out_everywhere(app, client, auth, db):
    phone = app.test_client()
    Auth(phone).login("facilitator")
    assert phone.get("/").status_code == 200
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{user_id}/active", data={"csrf_token": token})
    assert phone.get("/").status_code == 302
    assert phone.get("/api/v1/surveys").status_code == 401
    assert Auth(app.test_client()).login("facilitator").status_code == 400


def test_password_reset_signs_out_old_sessions(app, client, auth, db):
    phone = app.test_client()
    Auth(phone).login("facilitator")
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    token = csrf_from(client.get("/admin/users").text)
    client.post(f"/admin/users/{user_id}/password", data={"csrf_token": token, "password": "brand-new-pass"})
    assert phone.get("/").status_code == 302
    assert Auth(app.test_client()).login("facilitator", "brand-new-pass").status_code == 302


def test_admin_cannot_disable_themselves(client, auth, db):
    auth.login("admin")
    user_id = db.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
    token = csrf_from(client.get("/admin/users").text)
    response = client.post(f"/admin/users/{user_id}/active", data={"csrf_token": token})
    assert response.status_code == 400


def test_passwords_are_stored_as_argon2id(db):
    hashes = [r[0] for r in db.execute("SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_api_tokens_are_stored_hashed(app, token_for, db):
    token = token_for("coordinator")
    stored = db.execute("SELECT token_hash FROM api_tokens").fetchone()[0]
    assert token not in stored and len(stored) == 64
