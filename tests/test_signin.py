"""Sign-in resists guessing (issue 9, item 5): throttled failures, equal work, common passwords.

Failed sign-ins are throttled per account and per address with a clear 429; unknown names
cost a password hash like known ones; passwords on a common-password list are refused
everywhere one is set, and the rule is on the form before the first try.
"""

from __future__ import annotations

import re

import pytest
from conftest import PASSWORD, csrf_from, make_app, run_cli

from survey_app.auth.passwords import dummy_hash, password_problem
from survey_app.links.ratelimit import limiter


@pytest.fixture
def throttled_app(tmp_path, template_database):
    """Small limits, so that few (slow, Argon2) attempts reach them; the defaults are 10 and 30."""
    app = make_app(
        tmp_path,
        template_database,
        SIGNIN_RATE_PER_ACCOUNT="3 per 15 minutes",
        SIGNIN_RATE_PER_ADDRESS="6 per 15 minutes",
    )
    yield app
    with app.app_context():
        limiter.reset()  # counters live in memory, shared by every app of this process


def attempt(client, username: str, password: str, address: str):
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_failed_sign_ins_of_one_account_are_throttled_from_any_address(throttled_app):
    client = throttled_app.test_client()
    for n in range(3):
        assert attempt(client, "coordinator", "wrong-guess", f"10.1.0.{n}").status_code == 400
    blocked = attempt(client, "coordinator", PASSWORD, "10.1.0.99")
    assert blocked.status_code == 429
    assert re.search(r"Too many failed sign-ins\. Wait 1[0-5] minutes, then try again\.", blocked.text)
    assert int(blocked.headers["Retry-After"]) > 0
    assert attempt(client, "facilitator", PASSWORD, "10.1.0.99").status_code == 302, "others may sign in"


def test_unknown_names_are_throttled_the_same_way(throttled_app):
    client = throttled_app.test_client()
    for n in range(3):
        attempt(client, "no-such-person", "guess", f"10.2.0.{n}")
    assert attempt(client, "no-such-person", "guess", "10.2.0.200").status_code == 429


def test_wrong_passwords_from_one_address_are_throttled(throttled_app, db):
    client = throttled_app.test_client()
    codes = [attempt(client, f"name{n}", "wrong-guess", "10.3.0.1").status_code for n in range(7)]
    assert codes[:6] == [400] * 6 and codes[6] == 429
    assert attempt(client, "admin", PASSWORD, "10.3.0.1").status_code == 429, "the address waits"
    assert attempt(client, "admin", PASSWORD, "10.3.0.2").status_code == 302
    failures = db.execute("SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed'").fetchone()[0]
    assert failures == 6


def test_a_right_password_clears_the_account_counter(throttled_app):
    client = throttled_app.test_client()
    for n in range(2):
        attempt(client, "facilitator", "wrong-guess", f"10.4.0.{n}")
    assert attempt(client, "facilitator", PASSWORD, "10.4.0.50").status_code == 302
    other = throttled_app.test_client()
    for n in range(3):
        assert attempt(other, "facilitator", "wrong-guess", f"10.4.1.{n}").status_code == 400


def test_unknown_names_cost_a_hash_like_known_ones(db):
    """Equal work: the dummy hash has the cost parameters of stored hashes (timing: bench/)."""
    stored = db.execute("SELECT password_hash FROM users LIMIT 1").fetchone()[0]
    assert dummy_hash().rsplit("$", 2)[0] == stored.rsplit("$", 2)[0]


@pytest.mark.parametrize("password", ["password1", "12345678", "qwertyuiop", "Iloveyou!", "sunshine2026"])
def test_common_passwords_are_refused(password):
    assert "most common" in password_problem(password)


def test_a_password_may_not_contain_the_username():
    assert "username" in password_problem("amina-2026-pass", "Amina")
    assert password_problem("correct-horse-battery", "amina") is None


def test_the_cli_refuses_a_common_password(tmp_path):
    run_cli(tmp_path, "init")
    result = run_cli(tmp_path, "create-user", "amina", "--role", "facilitator", stdin="password123\n")
    assert result.returncode == 1 and "most common" in result.stderr


def test_the_admin_page_states_the_rule_and_refuses_common_passwords(client, auth, db):
    auth.login("admin")
    page = client.get("/admin/users")
    assert "common passwords" in page.text and 'aria-describedby="password-rule"' in page.text
    token = csrf_from(page.text)
    added = client.post(
        "/admin/users",
        data={"username": "amina", "role": "facilitator", "password": "iloveyou1", "csrf_token": token},
    )
    assert added.status_code == 400 and "most common" in added.text
    uid = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    reset = client.post(f"/admin/users/{uid}/password", data={"csrf_token": token, "password": "football1"})
    assert reset.status_code == 400
    assert db.execute("SELECT count(*) FROM users WHERE username = 'amina'").fetchone()[0] == 0
