"""API tokens have a life cycle (issue 9, item 6) and their changes are audited (item 12).

Listing and revoking from the CLI and the admin page, expiry, revocation on a password reset
or a disable, and: only a *valid* bearer token turns the CSRF check off.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from conftest import csrf_from, run_cli
from support_coordinators import bearer, item, session

from survey_app.auth.tokens import issue_token


def user_id(db, name: str) -> int:
    return db.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()[0]


def test_tokens_list_and_revoke_from_the_cli_are_audited(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    created = run_cli(
        tmp_path, "create-user", "wanjiku", "--role", "coordinator", stdin="a-strong-passphrase\n"
    )
    assert created.returncode == 0, created.stderr
    token = run_cli(tmp_path, "create-token", "wanjiku", "--name", "nightly", "--expires-days", "7")
    assert token.returncode == 0 and token.stdout.startswith("sa_")
    listed = run_cli(tmp_path, "tokens", "list", "wanjiku")
    assert "1\twanjiku\tnightly\tactive" in listed.stdout and "expires 20" in listed.stdout
    assert token.stdout.strip() not in listed.stdout, "a list never shows the token"
    revoked = run_cli(tmp_path, "tokens", "revoke", "1")
    assert revoked.returncode == 0 and "Revoked token 1 of wanjiku" in revoked.stdout
    assert "\trevoked\t" in run_cli(tmp_path, "tokens", "list").stdout
    missing = run_cli(tmp_path, "tokens", "revoke", "99")
    assert missing.returncode == 1 and "No token with id 99" in missing.stderr
    assert run_cli(tmp_path, "tokens", "list", "nobody").returncode == 1
    db = sqlite3.connect(tmp_path / "cli.db")
    audit = [(a, t, json.loads(d)) for a, t, d in db.execute("SELECT action, target, details FROM audit_log")]
    assert [(a, t) for a, t, _ in audit] == [
        ("user_created", "wanjiku"),
        ("token_created", "wanjiku"),
        ("token_revoked", "wanjiku"),
    ]
    assert audit[1][2]["expires_days"] == 7 and audit[1][2]["via"] == "cli"
    assert all(token.stdout.strip() not in json.dumps(d) for _, _, d in audit), "no token in the log"


def test_the_admin_page_lists_and_revokes(client, auth, db, token_for):
    token = token_for("facilitator")
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 200
    auth.login("admin")
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "facilitator" in page.text and token not in page.text
    (token_id,) = db.execute("SELECT id FROM api_tokens").fetchone()
    response = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    client.get("/logout")
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401
    row = db.execute(
        "SELECT action, target, details FROM audit_log WHERE action = 'token_revoked'"
    ).fetchone()
    assert row[1] == "facilitator" and json.loads(row[2]) == {"token_id": token_id, "via": "admin"}
    assert client.post("/admin/tokens/999/revoke", data={"csrf_token": csrf_from(page.text)}).status_code in (
        302,
        404,
    )


def test_a_facilitator_cannot_revoke_tokens(client, auth, token_for, db):
    token_for("admin")
    auth.login("facilitator")
    csrf = client.get("/api/v1/csrf").json["csrf_token"]
    assert client.post("/admin/tokens/1/revoke", data={"csrf_token": csrf}).status_code == 403
    assert db.execute("SELECT revoked_at FROM api_tokens").fetchone()[0] is None


def test_an_expired_token_is_refused(app, client, db):
    token_id, token = issue_token(db, user_id(db, "coordinator"), "short", expires_days=1)
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 200
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    db.execute("UPDATE api_tokens SET expires_at = ? WHERE id = ?", [past, token_id])
    db.conn.commit()
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401


def test_a_reset_or_a_disable_revokes_the_accounts_tokens(client, auth, db, token_for):
    first = token_for("facilitator")
    auth.login("admin")
    csrf = csrf_from(client.get("/admin/users").text)
    fid = user_id(db, "facilitator")
    client.post(f"/admin/users/{fid}/password", data={"csrf_token": csrf, "password": "brand-new-pass"})
    second = token_for("facilitator")
    client.post(f"/admin/users/{fid}/active", data={"csrf_token": csrf})  # disable
    client.post(f"/admin/users/{fid}/active", data={"csrf_token": csrf})  # enable again
    for token in (first, second):
        assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401
    details = [
        json.loads(r[0]) for r in db.execute("SELECT details FROM audit_log WHERE target = 'facilitator'")
    ]
    assert {"tokens_revoked": 1} in details


def test_only_a_valid_bearer_token_skips_the_csrf_check(client, auth, db):
    """A cookie session plus any "Authorization: Bearer" header used to skip CSRF entirely."""
    auth.login("facilitator")
    body = {"submissions": [item(session(0))]}
    forged = client.post("/api/v1/submissions", json=body, headers={"Authorization": "Bearer sa_invalid"})
    assert forged.status_code == 401
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
    page = client.post("/logout", data={}, headers={"Authorization": "Bearer x"})
    assert page.status_code == 400, "a page form without its CSRF token is refused"
    assert client.get("/api/v1/surveys").status_code == 200, "and did not sign the person out"
