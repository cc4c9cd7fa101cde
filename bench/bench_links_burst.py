"""A burst of submissions from one address through a public link, against `survey-app serve`.

Starts the app with the deploy config (gunicorn, its default workers) on 127.0.0.1, creates
a link, then sends N single-record sync batches as fast as one client can, and N more
spread over distinct forwarded addresses (with TRUSTED_PROXIES=1, as behind a proxy).
Prints how many were stored and how many answered 429, and the request latency median.
Run: .venv/bin/python bench/bench_links_burst.py [N]
With the in-memory limiter every gunicorn worker counts on its own, so one address gets
up to workers x the per-address limit; SURVEY_APP_RATELIMIT_STORAGE_URI=redis://... shares it.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {
    "age_band": "age_18_24",
    "gender": "woman",
    "member_group": "womens_group",
    "biggest_concerns": ["jobs"],
    "feel_safe": 2,
    "trust_city_act": 3,
    "biggest_difference": "Street lights",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, forwarded: str | None) -> tuple[int, float]:
    item = {
        "id": str(uuid.uuid4()),
        "survey": "community_feedback",
        "version": "1",
        "data": ANSWERS,
        "meta": {"started_at": "2026-11-27T10:00:00Z"},
    }
    body = json.dumps({"submissions": [item]}).encode()
    headers = {"Content-Type": "application/json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
    return code, time.perf_counter() - start


def main(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-links-"))
    env = {**os.environ, "SURVEY_APP_DATABASE": str(folder / "bench.db"), "SURVEY_APP_TRUSTED_PROXIES": "1"}
    cli = [sys.executable, "-m", "survey_app.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True, cwd=folder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    link = subprocess.run(
        [*cli, "create-link", "community_feedback", "--label", "bench", "--base-url", base],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=folder,
    ).stdout.strip()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        url = link.replace("/p/", "/api/v1/links/") + "/submissions"
        for label, forwarded in (
            ("one address", lambda i: "203.0.113.7"),
            ("distinct addresses", lambda i: f"198.51.{i // 250}.{i % 250}"),
        ):
            results = [post(url, forwarded(i)) for i in range(n)]
            codes = [code for code, _ in results]
            median_ms = statistics.median(t for _, t in results) * 1000
            print(
                f"{label:>18}: {n} batches -> {codes.count(200)} stored, {codes.count(429)} refused 429,"
                f" other {len(codes) - codes.count(200) - codes.count(429)}; median {median_ms:.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
