"""The survey-app command and the storage rules it sets up."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from conftest import cli_env, run_cli

from survey_app.db import connect, write_transaction


def test_init_create_user_and_token(tmp_path):
    first = run_cli(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert "listening_session v1" in first.stdout
    again = run_cli(tmp_path, "init")
    assert "already published" in again.stdout
    created = run_cli(
        tmp_path, "create-user", "wanjiku", "--role", "coordinator", stdin="a-strong-password\n"
    )
    assert created.returncode == 0, created.stderr
    token = run_cli(tmp_path, "create-token", "wanjiku").stdout.strip()
    assert token.startswith("sa_") and len(token) > 30
    db = sqlite3.connect(tmp_path / "cli.db")
    assert db.execute("SELECT role FROM users WHERE username = 'wanjiku'").fetchone() == ("coordinator",)
    assert token not in str(db.execute("SELECT token_hash FROM api_tokens").fetchall())


def test_cli_errors_are_clear(tmp_path):
    run_cli(tmp_path, "init")
    weak = run_cli(tmp_path, "create-user", "x", "--role", "admin", stdin="short\n")
    assert weak.returncode != 0 and "at least 8" in weak.stderr
    nobody = run_cli(tmp_path, "create-token", "nobody")
    assert nobody.returncode != 0 and "No user" in nobody.stderr


@pytest.mark.parametrize("command", ["init", "migrate", "create-user", "create-token", "serve"])
def test_every_command_has_help(tmp_path, command):
    result = run_cli(tmp_path, command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_connections_follow_the_storage_rules(tmp_path):
    db = connect(str(tmp_path / "rules.db"))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_write_transactions_take_the_lock_up_front(tmp_path):
    path = str(tmp_path / "lock.db")
    first, second = connect(path, 100), connect(path, 100)
    first.execute("CREATE TABLE t (x)")
    with write_transaction(first):
        first.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.OperationalError, match="locked"), write_transaction(second):
            pass
    with write_transaction(second):
        second.execute("INSERT INTO t VALUES (2)")
    assert first.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_a_waiting_writer_takes_the_lock_as_soon_as_it_is_free(tmp_path):
    # SQLite's own busy handler sleeps longer and longer between tries (up to 100 ms): a
    # writer that waited half a second woke some 80 ms after the lock was freed.
    path = str(tmp_path / "prompt.db")
    holder, waiter = connect(path), connect(path)
    holder.execute("CREATE TABLE t (x)")
    released = []
    holder.conn.execute("BEGIN IMMEDIATE")

    def release_later() -> None:
        time.sleep(0.55)
        holder.conn.execute("ROLLBACK")
        released.append(time.monotonic())

    thread = threading.Thread(target=release_later)
    thread.start()
    with write_transaction(waiter):
        acquired = time.monotonic()
        waiter.execute("INSERT INTO t VALUES (1)")
    thread.join()
    assert acquired - released[0] < 0.04, f"took the free lock {1000 * (acquired - released[0]):.0f} ms late"
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 5000, "its busy timeout is restored"


def test_a_waiting_writer_still_gives_up_at_its_busy_timeout(tmp_path):
    path = str(tmp_path / "timeout.db")
    holder, waiter = connect(path), connect(path, 150)
    holder.conn.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"), write_transaction(waiter):
        pass
    waited = time.monotonic() - started
    holder.conn.execute("ROLLBACK")
    assert 0.14 <= waited < 1.0
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 150
    assert not waiter.conn.in_transaction


def test_a_busy_database_answers_503_with_retry_after(app, client, token_for):
    token = token_for("facilitator")
    app.config["BUSY_TIMEOUT_MS"] = 50
    holder = connect(app.config["DATABASE"])
    holder.conn.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(
            "/api/v1/submissions",
            json={"submissions": []},
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        holder.conn.execute("ROLLBACK")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json["ok"] is False


def test_healthz(client):
    body = client.get("/healthz").json
    assert body["ok"] is True and body["version"] and body["sqlite"] == sqlite3.sqlite_version


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from survey_app.settings import load_settings

    first = load_settings(tmp_path, {})["SECRET_KEY"]
    second = load_settings(tmp_path, {})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(tmp_path):
    from survey_app.settings import load_settings

    config = load_settings(tmp_path, {"SURVEY_APP_SESSION_DAYS": "60", "SURVEY_APP_SECURE_COOKIES": "yes"})
    assert config["SESSION_DAYS"] == 60 and config["SECURE_COOKIES"] is True


def test_serve_starts_gunicorn_and_answers(tmp_path):
    """`survey-app serve` works without the venv on PATH (as run.sh calls it)."""
    import os
    import socket
    import time
    import urllib.request

    run_cli(tmp_path, "init")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "survey_app.cli", "serve", "--port", str(port), "--workers", "1"],
        env=cli_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def test_init_after_a_release_that_shipped_other_builtin_content(tmp_path):
    """A built-in survey whose shipped content changed under the same version number (its
    file, or the expression compiler) is published as a version of its own: `init` on an
    older database works, and the old version stays for the records and drafts made on it."""
    import json

    from survey_app.surveys.registry import (
        BUILTIN_DIR,
        current_version,
        install_builtins,
        list_versions,
        publish,
    )

    db = connect(tmp_path / "old.db")
    from survey_app.migrate import migrate

    migrate(db)
    older = json.loads((BUILTIN_DIR / "listening_session.json").read_text(encoding="utf-8"))
    older["title"] = {key: f"{value} (last year)" for key, value in older["title"].items()}
    publish(db, older, source="builtin")
    installed = install_builtins(db)
    new_version = current_version(db, "listening_session")
    assert new_version.startswith("1-") and f"listening_session v{new_version}" in installed
    assert list_versions(db, "listening_session") == ["1", new_version]
    assert install_builtins(db) == [], "the next init changes nothing"


def test_init_demo_loads_sample_records_the_dashboard_shows(tmp_path):
    result = run_cli(tmp_path, "init", "--demo")
    assert result.returncode == 0, result.stderr
    assert "Sample records: 72" in result.stdout
    db = connect(str(tmp_path / "cli.db"))
    counts = dict(db.execute("SELECT survey_id, count(*) FROM submission_facts GROUP BY 1").fetchall())
    valid = db.execute("SELECT count(*) FROM submissions WHERE validation = 'valid'").fetchone()[0]
    db.close()
    assert counts == {"listening_session": 36, "community_feedback": 36}, "indexed: the dashboard shows them"
    assert valid >= 60, "the samples follow each form's own rules"
    again = run_cli(tmp_path, "init", "--demo")
    assert "Sample records" not in again.stdout, "never added twice"
