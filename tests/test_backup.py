"""``survey-app backup`` and ``survey-app restore``, as an operator runs them.

A backup is taken while phones sync (a live server, sync batches from other threads):
every sync is answered, the copy passes its integrity check and holds one consistent
moment. A restore refuses to overwrite a live database unless forced (and then keeps a
copy of it), and brings an older backup up to today's schema.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

from support_coordinators import item, session
from support_deploy import post_batch, token_for

from survey_app.backup import BackupError, check
from survey_app.db import connect
from survey_app.migrate import MIGRATIONS_DIR, load_migrations


def cli(database, *args):
    env = {"SURVEY_APP_DATABASE": str(database), "PATH": "/usr/bin:/bin", "HOME": str(database.parent)}
    return subprocess.run(
        [sys.executable, "-m", "survey_app.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def count(database) -> int:
    db = connect(str(database))
    try:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    finally:
        db.close()


def test_a_backup_taken_while_phones_sync_is_consistent_and_checked(app, live_server, tmp_path):
    database = app.config["DATABASE"]
    token = token_for(database)
    stop = threading.Event()
    answers: list[int] = []

    def phone(n: int):
        i = 0
        while not stop.is_set() or i < 3:
            status, _ = post_batch(
                live_server.url, token, [item(session(n * 1000 + i + j)) for j in range(5)]
            )
            answers.append(status)
            i += 1

    phones = [threading.Thread(target=phone, args=(n,)) for n in range(3)]
    for thread in phones:
        thread.start()
    try:
        target = tmp_path / "backups" / "field-backup.db"
        result = cli(tmp_path / "test.db", "backup", str(target))
        assert result.returncode == 0, result.stderr
    finally:
        stop.set()
        for thread in phones:
            thread.join(60)
    assert "integrity ok" in result.stdout
    assert answers and set(answers) == {200}  # no sync was refused while the copy was taken
    in_backup = check(target)
    assert 0 < in_backup <= count(database)
    assert not list(target.parent.glob(".*partial*"))  # nothing half-written left behind
    assert not (target.parent / (target.name + "-wal")).exists()  # one self-contained file


def test_restore_refuses_a_live_database_without_force_and_keeps_a_copy_with_it(tmp_path, template_database):
    live = tmp_path / "live" / "field.db"
    live.parent.mkdir()
    shutil.copyfile(template_database, live)
    token = token_for(live)
    assert cli(live, "backup", str(tmp_path / "monday.db")).returncode == 0
    # Records arrive after the backup.
    from survey_app import create_app

    client = create_app({"DATABASE": str(live), "SECRET_KEY": "x", "TESTING": True}).test_client()
    response = client.post(
        "/api/v1/submissions",
        json={"submissions": [item(session(1))]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and count(live) == 1

    refused = cli(live, "restore", str(tmp_path / "monday.db"))
    assert refused.returncode != 0
    assert "live database (1 submissions)" in refused.stderr and "--force" in refused.stderr
    assert count(live) == 1  # untouched

    forced = cli(live, "restore", "--force", str(tmp_path / "monday.db"))
    assert forced.returncode == 0, forced.stderr
    assert count(live) == 0
    (kept,) = live.parent.glob("field.db.before-restore-*")
    assert count(kept) == 1  # the record that arrived after the backup is not lost
    assert "kept as" in forced.stdout


def test_restore_runs_the_migrations_on_an_older_backup(tmp_path):
    old_migrations = tmp_path / "old-migrations"
    old_migrations.mkdir()
    names = sorted(p.name for p in MIGRATIONS_DIR.glob("m[0-9]*.py"))
    for name in names[:2]:  # a backup from a release that had only the first two migrations
        shutil.copyfile(MIGRATIONS_DIR / name, old_migrations / name)
    old = tmp_path / "old.db"
    db = connect(str(old))
    load_migrations(old_migrations).apply(db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()

    fresh = tmp_path / "restored" / "field.db"
    restored = cli(fresh, "restore", str(old))
    assert restored.returncode == 0, restored.stderr
    later = [name.removesuffix(".py") for name in names[2:]]
    assert "Migrations applied: " + ", ".join(later) in restored.stdout
    again = cli(fresh, "migrate")
    assert "nothing (up to date)" in again.stdout


def test_a_file_that_is_not_a_good_backup_is_refused(tmp_path, template_database):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    result = cli(tmp_path / "new.db", "restore", str(garbage))
    assert result.returncode != 0 and "not a readable SQLite database" in result.stderr
    assert not (tmp_path / "new.db").exists()
    try:
        check(garbage)
    except BackupError as exc:
        assert "garbage.db" in str(exc)
    else:
        raise AssertionError("a garbage file passed the check")
