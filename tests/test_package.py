"""The wheel is the product: build it, install it in a fresh venv outside the checkout, run it.

Before issue 10 a non-editable install left out ``migrations/`` and ``static/`` and
``survey-app init`` crashed with ``no such table: survey_versions``. This test installs
the wheel the way an operator does (pip resolves the dependencies from the registry),
then runs ``init``, ``migrate`` and ``serve`` from a folder that is not the checkout and
fetches every static file, the service worker and ``/healthz``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from survey_app import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with only the built wheel (and its declared dependencies) installed."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (work / "dist").glob("survey_app-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return venv


def _env(workdir: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "SURVEY_APP_DATABASE": str(workdir / "field.db"),
        "SURVEY_APP_SECRET_KEY": "wheel-test-secret",
    }


def _run(venv: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "survey-app"), *args],
        cwd=workdir,
        env=_env(workdir),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_package_is_not_the_checkout(installed, tmp_path):
    code = "import survey_app.paths as p; print(p.STATIC_DIR); print(p.MIGRATIONS_DIR)"
    out = subprocess.run(
        [str(installed / "bin" / "python"), "-c", code], cwd=tmp_path, capture_output=True, text=True
    )
    static, migrations = out.stdout.split()
    assert static.startswith(str(installed)) and migrations.startswith(str(installed))
    assert str(ROOT) not in out.stdout


def test_init_migrate_version_from_the_wheel(installed, tmp_path):
    init = _run(installed, tmp_path, "init")
    assert init.returncode == 0, init.stderr
    assert "listening_session" in init.stdout
    again = _run(installed, tmp_path, "migrate")
    assert again.returncode == 0, again.stderr
    assert "nothing (up to date)" in again.stdout
    version = _run(installed, tmp_path, "--version")
    assert version.stdout.strip().endswith(__version__)


def test_serve_from_the_wheel_serves_every_static_file(installed, tmp_path):
    assert _run(installed, tmp_path, "init").returncode == 0
    port = _free_port()
    server = subprocess.Popen(
        [str(installed / "bin" / "survey-app"), "serve", "--port", str(port), "--workers", "1"],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = None
        for _ in range(150):
            try:
                health = json.load(urllib.request.urlopen(base + "/healthz", timeout=2))
                break
            except OSError:
                time.sleep(0.2)
        assert health and health["ok"] and health["version"] == __version__
        assert health["release"].startswith(__version__ + "-")
        static = installed.glob("lib/python*/site-packages/survey_app/static")
        (static_dir,) = list(static)
        files = [p for p in static_dir.rglob("*") if p.is_file() and p.name != "sw.js"]
        assert len(files) >= 10
        for path in files:
            url = base + "/static/" + path.relative_to(static_dir).as_posix()
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                assert response.read() == path.read_bytes(), url
        shell = json.load(urllib.request.urlopen(base + "/api/v1/offline/precache", timeout=10))["shell"]
        for url in shell:
            assert urllib.request.urlopen(base + url, timeout=10).status == 200, url
        worker = urllib.request.urlopen(base + "/sw.js", timeout=10).read().decode()
        assert health["release"] in worker
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
    assert os.path.exists(tmp_path / "field.db")
