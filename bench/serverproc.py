"""Start ``survey-app serve`` (gunicorn, deploy config) on a bench database, and read its memory.

Shared by the export and dashboard benchmarks. Peak memory is ``VmHWM`` (the high-water
mark of resident memory) from ``/proc/<pid>/status`` of gunicorn's master and of every
worker, read after the measured requests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.auth.tokens import create_token  # noqa: E402
from survey_app.auth.users import create_user, find_user  # noqa: E402
from survey_app.db import connect  # noqa: E402

COORDINATOR = "bench-coordinator"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def coordinator_token(database: Path) -> str:
    """A fresh API token for the benchmark's coordinator account (created once)."""
    db = connect(str(database))
    user = find_user(db, COORDINATOR) or create_user(db, COORDINATOR, "bench-password-2026", "coordinator")
    user_id = user["id"] if isinstance(user, dict) else user.id
    token = create_token(db, user_id, "bench")
    db.close()
    return token


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Server:
    """``survey-app serve`` as a subprocess; ``stop()`` ends it (and only it)."""

    def __init__(self, database: Path, workers: int | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SURVEY_APP_DATABASE": str(database), "SURVEY_APP_SECRET_KEY": "bench-secret"}
        args = [
            str(ROOT / ".venv" / "bin" / "survey-app"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if workers:
            args += ["--workers", str(workers)]
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start")

    def peak_rss_mb(self) -> tuple[float, float]:
        """(master's, the largest worker's) peak resident memory in MB."""
        master = self.process.pid
        workers = children(master)
        return vm_hwm_kb(master) / 1024, max((vm_hwm_kb(w) for w in workers), default=0) / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by gunicorn's master and workers.

        On a loaded machine wall time mostly measures the queue for a core; the CPU a
        request used is what it would take on an idle one.
        """
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *children(self.process.pid)]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
