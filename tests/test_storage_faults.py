"""Storage faults are answered the way the sync contract promises: 503 + Retry-After.

A full disk or a read-only mount is not a bug in the request: the phone must keep its
records and retry, and the operator must read "storage problem" in the log, not
"Internal error". The database sits on a small tmpfs that the test fills on purpose
(TESTING.md: as root, ``mount -t tmpfs -o size=20m``); it is unmounted at the end.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess

import pytest
from support_coordinators import bearer, item, session

from survey_app import create_app
from survey_app.db import close_thread_connections, connect

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        close_thread_connections()
        subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.fixture
def disk_app(small_disk, template_database):
    database = small_disk / "field.db"
    shutil.copyfile(template_database, database)
    app = create_app({"TESTING": True, "DATABASE": str(database), "SECRET_KEY": "test-secret"})
    db = connect(str(database))
    from survey_app.auth.tokens import create_token

    user_id = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    app.config["TEST_TOKEN"] = create_token(db, user_id, "test")
    db.close()
    return app


def fill(folder) -> None:
    """Write a filler file until the file system refuses another byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def batch(n: int = 40) -> list[dict]:
    return [item(session(i, concerns_own_words="A long account of the session. " * 60)) for i in range(n)]


def post(client, token, items):
    return client.post("/api/v1/submissions", json={"submissions": items}, headers=bearer(token))


def stored(database) -> int:
    db = connect(str(database))
    try:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        db.close()


@needs_root
def test_a_full_disk_answers_503_with_retry_after_and_loses_nothing(disk_app, small_disk, caplog):
    client, token = disk_app.test_client(), disk_app.config["TEST_TOKEN"]
    before = stored(small_disk / "field.db")
    items = batch()
    fill(small_disk)
    with caplog.at_level(logging.WARNING):
        response = post(client, token, items)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert response.json["ok"] is False and "storage" in response.json["error"].lower()
    problems = [r for r in caplog.records if "storage problem" in r.getMessage()]
    assert problems, [r.getMessage() for r in caplog.records]
    assert "A long account" not in caplog.text  # logs hold no answers

    os.remove(small_disk / "filler")
    again = post(client, token, items)
    assert again.status_code == 200, again.text
    assert [r["status"] for r in again.json["results"]] == ["stored"] * len(items)
    assert stored(small_disk / "field.db") == before + len(items)


@needs_root
def test_a_read_only_disk_answers_503_with_retry_after(disk_app, small_disk, caplog):
    client, token = disk_app.test_client(), disk_app.config["TEST_TOKEN"]
    items = batch(3)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        with caplog.at_level(logging.WARNING):
            response = post(client, token, items)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert any("storage problem" in r.getMessage() for r in caplog.records)
    again = post(client, token, items)
    assert again.status_code == 200, again.text


def test_the_wal_shrinks_back_after_a_long_reader_lets_go(tmp_path):
    """A long export (a reader) lets the WAL grow; once it ends the WAL returns to a bounded size.

    Without ``journal_size_limit`` SQLite reuses the WAL from its start but never truncates
    it: a 618 MB WAL stayed until the server stopped.
    """
    from survey_app.db import JOURNAL_SIZE_LIMIT, write_transaction

    path = tmp_path / "wal.db"
    writer = connect(str(path))
    writer.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)")
    reader = connect(str(path))
    reader.conn.execute("BEGIN")
    reader.execute("SELECT count(*) FROM blobs").fetchone()  # holds its snapshot, like an export
    chunk = os.urandom(1 << 20)
    for _ in range(JOURNAL_SIZE_LIMIT // len(chunk) + 8):
        with write_transaction(writer):
            writer.execute("INSERT INTO blobs (body) VALUES (?)", [chunk])
    wal = tmp_path / "wal.db-wal"
    assert wal.stat().st_size > JOURNAL_SIZE_LIMIT
    reader.conn.execute("COMMIT")  # the export ends
    for _ in range(3):  # the next syncs checkpoint, then start the WAL over
        with write_transaction(writer):
            writer.execute("DELETE FROM blobs WHERE id = (SELECT min(id) FROM blobs)")
    assert wal.stat().st_size <= JOURNAL_SIZE_LIMIT
    writer.close()
    reader.close()


@needs_root
def test_doctor_reports_the_full_disk_with_its_fix(disk_app, small_disk):
    from survey_app.doctor import check_disk

    fill(small_disk)
    (finding,) = check_disk(small_disk / "field.db")
    assert not finding.ok and "free" in finding.what and "Free space" in finding.fix
