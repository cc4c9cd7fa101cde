"""Start deploy/local-https.sh (nginx with TLS in front of ``survey-app serve``) for benchmarks.

Shared by bench_deploy.py and bench_page_weight.py. Everything listens on 127.0.0.1 and is
stopped by ``stop()`` (SIGTERM to the script, which stops nginx and the app itself).
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNVERIFIED = ssl._create_unverified_context()  # the local certificate is self-signed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalHttps:
    def __init__(self, database: Path, workdir: Path, **env: str):
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.workdir = workdir
        environ = {
            **os.environ,
            "SURVEY_APP_DATABASE": str(database),
            "SURVEY_APP_SECRET_KEY": "bench-secret",
            "SURVEY_APP_BIN": str(Path(sys.executable).parent / "survey-app"),
            "TMPDIR": str(workdir),
            **env,
        }
        self.log = open(workdir / f"local-https-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(ROOT / "deploy" / "local-https.sh"), str(self.port)],
            env=environ,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2, context=UNVERIFIED) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("deploy/local-https.sh did not start; see " + self.log.name)
            time.sleep(0.3)

    def access_log(self) -> Path:
        """nginx's access log in the script's temporary folder (combined format)."""
        (log,) = self.workdir.glob("survey-https.*/access.log")
        return log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
