"""``survey-app backup`` and ``restore`` carry the attachment files, verified by SHA-256.

The drill: a real server (gunicorn) takes records with photos from a phone while
``survey-app backup`` runs; then the machine is lost (server killed, database and
attachments folder deleted); ``survey-app restore`` on a new database and a new attachments
folder brings back every record of the backup with every one of its files, byte-identical.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
import uuid

import pytest
from support_attachments import png
from support_coordinators import item, session
from support_deploy import Served, copy_database, post_batch, server_env, token_for

from survey_app.backup_files import files_folder, named_files
from survey_app.db import connect

pytestmark = pytest.mark.slow


def cli(database, attachments, *args):
    env = server_env(database, ATTACHMENTS_DIR=str(attachments))
    return subprocess.run(
        [sys.executable, "-m", "survey_app.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def send_photo(base: str, token: str, record_id: str, name: str, data: bytes) -> None:
    """A phone's tus upload of one file in one chunk (create, then PATCH)."""
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    digest = hashlib.sha256(data).hexdigest()
    meta = (
        f"submission {b64(record_id)},survey {b64('listening_session')},name {b64(name)},sha256 {b64(digest)}"
    )
    create = urllib.request.Request(
        base + "/api/v1/files",
        method="POST",
        headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    with urllib.request.urlopen(create, timeout=30) as answer:
        location = answer.headers["Location"]
    chunk = urllib.request.Request(
        base + location,
        data=data,
        method="PATCH",
        headers={**auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    with urllib.request.urlopen(chunk, timeout=30) as answer:
        assert answer.status == 204


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_backup_and_restore_carry_every_file_byte_identical(tmp_path, template_database):
    database = copy_database(template_database, tmp_path / "server")
    attachments = tmp_path / "server" / "attachments"
    token = token_for(database)
    server = Served(database, workers=1, ATTACHMENTS_DIR=str(attachments))
    sent: dict[str, bytes] = {}  # sha256 -> bytes a phone sent and the server acknowledged
    stop = threading.Event()

    def phone():
        n = 0
        while not stop.is_set() or n < 4:
            record_id = str(uuid.uuid4())
            data = png(n, size=30 + n % 7) + uuid.uuid4().bytes  # distinct content each time
            name = f"photo{n}.png"
            send_photo(server.url, token, record_id, name, data)
            status, _ = post_batch(
                server.url, token, [item(session(n, flipchart_photo=name), record_id=record_id)]
            )
            assert status == 200
            sent[sha(data)] = data
            n += 1

    thread = threading.Thread(target=phone)
    thread.start()
    try:
        target = tmp_path / "backups" / "survey-Mon.db"
        taken = cli(database, attachments, "backup", str(target))
    finally:
        stop.set()
        thread.join(60)
    assert taken.returncode == 0, taken.stderr
    assert "each verified by SHA-256" in taken.stdout
    in_backup = dict(named_files(target))
    assert in_backup and set(in_backup) <= set(sent)
    folder = files_folder(target)
    for digest in in_backup:
        assert (folder / "sha256" / digest[:2] / digest).read_bytes() == sent[digest]

    # A second backup to the same place copies only what is new.
    again = cli(database, attachments, "backup", str(target))
    assert again.returncode == 0 and f"{len(in_backup)} already there" in again.stdout, again.stdout
    in_backup = dict(named_files(target))  # the later moment: every file the phone sent
    assert set(in_backup) == set(sent)

    # The machine is lost: the server dies, the database and the attachments go with it.
    server.stop(signal.SIGKILL)
    shutil.rmtree(tmp_path / "server")

    new_database = tmp_path / "new" / "field.db"
    new_attachments = tmp_path / "new" / "files"
    restored = cli(new_database, new_attachments, "restore", str(target))
    assert restored.returncode == 0, restored.stderr
    assert f"{len(in_backup)} copied" in restored.stdout
    db = connect(str(new_database))
    try:
        named = {row[0]: row[1] for row in db.execute("SELECT sha256, size FROM files")}
        bound = db.execute(
            "SELECT count(*) FROM attachments a JOIN submissions s ON s.id = a.submission_id"
        ).fetchone()[0]
    finally:
        db.close()
    assert named == in_backup and bound == len(in_backup)
    for digest, size in named.items():
        restored_bytes = (new_attachments / "sha256" / digest[:2] / digest).read_bytes()
        assert restored_bytes == sent[digest] and len(restored_bytes) == size
        assert sha(restored_bytes) == digest

    # The restored server serves them to a coordinator.
    server = Served(new_database, workers=1, ATTACHMENTS_DIR=str(new_attachments))
    try:
        record_id, name = _a_record_with_its_file(new_database)
        request = urllib.request.Request(
            f"{server.url}/coordinate/submissions/{record_id}/files/{name}",
            headers={"Authorization": f"Bearer {token_for(new_database, 'coordinator')}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert sha(answer.read()) in in_backup
    finally:
        server.stop()


def _a_record_with_its_file(database) -> tuple[str, str]:
    db = connect(str(database))
    try:
        return db.execute("SELECT submission_id, name FROM attachments LIMIT 1").fetchone()
    finally:
        db.close()


def test_a_damaged_or_missing_file_in_the_backup_is_reported_and_not_restored(tmp_path, template_database):
    database = copy_database(template_database, tmp_path / "server")
    attachments = tmp_path / "server" / "attachments"
    from survey_app import create_app

    app = create_app(
        {"DATABASE": str(database), "SECRET_KEY": "x", "TESTING": True, "ATTACHMENTS_DIR": str(attachments)}
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(database)}"}
    from support_attachments import upload

    good, bad, gone = png(1, size=20), png(2, size=20), png(3, size=20)
    for n, data in enumerate((good, bad, gone)):
        assert upload(client, headers, str(uuid.uuid4()), f"p{n}.png", data).status_code == 204
    target = tmp_path / "backup.db"
    assert cli(database, attachments, "backup", str(target)).returncode == 0
    folder = files_folder(target)
    damaged = folder / "sha256" / sha(bad)[:2] / sha(bad)
    damaged.write_bytes(bad[:-1] + b"\x00")  # one byte changed on the backup disk
    (folder / "sha256" / sha(gone)[:2] / sha(gone)).unlink()

    new_attachments = tmp_path / "new-files"
    restored = cli(tmp_path / "new" / "field.db", new_attachments, "restore", str(target))
    assert restored.returncode == 1
    assert f"damaged (hash differs): {sha(bad)}" in restored.stderr
    assert f"missing: {sha(gone)}" in restored.stderr
    assert (new_attachments / "sha256" / sha(good)[:2] / sha(good)).read_bytes() == good
    assert not (new_attachments / "sha256" / sha(bad)[:2] / sha(bad)).exists()  # never a wrong file
    assert "1 copied" in restored.stdout
