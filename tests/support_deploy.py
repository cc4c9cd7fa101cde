"""Helpers for the deployment tests: ``survey-app serve`` as a real subprocess, API tokens,
sync batches over real HTTP(S) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from survey_app.auth.tokens import create_token
from survey_app.db import connect

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def token_for(database: Path, role: str = "facilitator") -> str:
    db = connect(str(database))
    try:
        user_id = db.execute("SELECT id FROM users WHERE username = ?", [role]).fetchone()[0]
        return create_token(db, user_id, "test")
    finally:
        db.close()


def copy_database(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "field.db"
    shutil.copyfile(template, database)
    return database


def server_env(database: Path, **settings: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
        "HOME": str(database.parent),
        "SURVEY_APP_DATABASE": str(database),
        "SURVEY_APP_SECRET_KEY": "deploy-test-secret",
    }
    env.update(
        {key if key.startswith("SURVEY_APP_") else f"SURVEY_APP_{key}": v for key, v in settings.items()}
    )
    return env


class Served:
    """``survey-app serve`` (gunicorn, deploy config) in its own process group."""

    def __init__(self, database: Path, workers: int = 1, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(database.parent / f"serve-{self.port}.log", "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "survey_app.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=server_env(database, **settings),
            cwd=database.parent,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.url + "/healthz")

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self.log.close()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    context = ssl._create_unverified_context()  # a self-signed test certificate
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer")
        time.sleep(0.2)


def post_batch(base: str, token: str, items: list[dict], timeout: float = 30) -> tuple[int, dict]:
    """POST one sync batch; the status and the JSON answer (errors included)."""
    request = urllib.request.Request(
        base + "/api/v1/submissions",
        data=json.dumps({"submissions": items}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    context = ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
