"""Uploads started and never finished are deleted after UPLOAD_ABANDON_HOURS idle.

Real uploads through the tus endpoints on a real SQLite file and attachments folder; the
clock is moved by ageing the rows and the partial files, not by mocking.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import run_cli
from support_attachments import create, patch, png, sha, upload

from survey_app.attachments import cleanup
from survey_app.attachments.cleanup import purge_abandoned
from survey_app.attachments.storage import FileStore, files_root
from survey_app.db import connect, write_transaction


@pytest.fixture
def bearer(token_for):
    return {"Authorization": f"Bearer {token_for('facilitator')}"}


def half_sent(client, bearer, data: bytes) -> tuple[str, str]:
    """An upload with its first half received: (record id, location)."""
    record_id = str(uuid.uuid4())
    created = create(client, bearer, record_id, "voice.webm", data)
    assert created.status_code == 201
    location = created.headers["Location"]
    assert patch(client, bearer, location, 0, data[: len(data) // 2]).status_code == 204
    return record_id, location


def age(db, store: FileStore, upload_id: str, hours: float) -> None:
    """Make an upload look idle for ``hours``: its creation and its last byte."""
    then = datetime.now(UTC) - timedelta(hours=hours)
    with write_transaction(db):
        db.execute("UPDATE uploads SET created_at = ? WHERE id = ?", [then.isoformat(), upload_id])
    partial = store.partial_path(upload_id)
    if partial.exists():
        os.utime(partial, (then.timestamp(), then.timestamp()))


def test_an_idle_unfinished_upload_is_deleted_and_the_phone_can_send_it_again(app, client, bearer, db):
    store = FileStore(files_root(app.config))
    old_data, fresh_data, done_data = png(1, size=40), png(2, size=40), png(3, size=40)
    old_record, old_location = half_sent(client, bearer, old_data)
    _fresh_record, fresh_location = half_sent(client, bearer, fresh_data)
    upload(client, bearer, str(uuid.uuid4()), "done.png", done_data)
    old_id, fresh_id = old_location.rsplit("/", 1)[1], fresh_location.rsplit("/", 1)[1]
    age(db, store, old_id, hours=73)
    age(db, store, fresh_id, hours=71)  # idle, but not for long enough
    stray = store.root / "partial" / "form-crashed"
    stray.write_bytes(b"x" * 10)
    os.utime(stray, (time.time() - 80 * 3600,) * 2)

    purged = purge_abandoned(db, store, hours=72)

    assert purged.uploads == 1 and purged.bytes == len(old_data) // 2 + 10
    assert not store.partial_path(old_id).exists() and not stray.exists()
    assert db.execute("SELECT count(*) FROM uploads WHERE id = ?", [old_id]).fetchone()[0] == 0
    assert store.received(fresh_id) == len(fresh_data) // 2  # still resumable
    assert store.content_path(sha(done_data)).read_bytes() == done_data  # stored files stay
    assert client.head(old_location, headers={**bearer, "Tus-Resumable": "1.0.0"}).status_code == 404
    # The phone still has the file: it creates the upload again and sends it whole.
    last = upload(client, bearer, old_record, "voice.webm", old_data)
    assert last.status_code == 204
    assert store.content_path(sha(old_data)).read_bytes() == old_data


def test_the_server_cleans_up_by_itself_when_an_upload_is_created(app, client, bearer, db, monkeypatch):
    store = FileStore(files_root(app.config))
    _record, location = half_sent(client, bearer, png(4, size=40))
    old_id = location.rsplit("/", 1)[1]
    age(db, store, old_id, hours=100)
    monkeypatch.setitem(cleanup._last_run, "at", 0.0)  # as in a freshly started worker
    assert create(client, bearer, str(uuid.uuid4()), "next.png", png(5)).status_code == 201
    assert db.execute("SELECT count(*) FROM uploads WHERE id = ?", [old_id]).fetchone()[0] == 0
    assert not store.partial_path(old_id).exists()


def test_zero_hours_does_not_delete_an_upload_in_progress(app, client, bearer, db):
    store = FileStore(files_root(app.config))
    _record, location = half_sent(client, bearer, png(6, size=40))
    assert purge_abandoned(db, store, hours=0).uploads == 0
    assert store.received(location.rsplit("/", 1)[1]) > 0


def test_survey_app_purge_uploads(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    db = connect(str(tmp_path / "cli.db"))
    then = (datetime.now(UTC) - timedelta(hours=30)).isoformat()
    with write_transaction(db):
        db.execute(
            "INSERT INTO uploads (id, submission_id, survey_id, name, sha256, length, created_at)"
            " VALUES ('u1', ?, 'listening_session', 'a.png', ?, 10, ?)",
            [str(uuid.uuid4()), "0" * 64, then],
        )
    db.close()
    partial = tmp_path / "attachments" / "partial" / "u1"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"12345")
    os.utime(partial, (time.time() - 30 * 3600,) * 2)
    kept = run_cli(tmp_path, "purge-uploads")  # 72 h by default: too recent
    assert kept.returncode == 0 and "Deleted 0 unfinished uploads" in kept.stdout, kept.stderr
    done = run_cli(tmp_path, "purge-uploads", "--hours", "24")
    assert done.returncode == 0 and "Deleted 1 unfinished uploads idle for over 24 h (5 bytes)" in done.stdout
    assert not partial.exists()
