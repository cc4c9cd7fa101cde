"""The access log (issue 9, item 11): no link tokens, no query strings; method, route, status, time.

Runs the real ``survey-app serve`` (gunicorn with deploy/gunicorn.conf.py) and reads what it
writes, after requests that carry a link token in the path and secrets in the query.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from conftest import cli_env, run_cli

from survey_app.accesslog import redact_path


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_access_log_keeps_no_token_and_no_query(tmp_path):
    run_cli(tmp_path, "init")
    link = run_cli(tmp_path, "create-link", "community_feedback", "--label", "Likoni")
    token = link.stdout.strip().rsplit("/", 1)[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "survey_app.cli", "serve", "--port", str(port), "--workers", "1"],
            env=cli_env(tmp_path),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        assert _get(f"{base}/p/{token}?draft=draft-4711-secret") == 200
        assert _get(f"{base}/api/v1/links/{token}/survey") == 200
        assert _get(f"{base}/coordinate/submissions?q=myunclehitsme") in (200, 302)
        assert _get(f"{base}/nowhere/{token}?q=myunclehitsme") == 404
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
    text = log_path.read_text()
    assert token not in text
    assert "myunclehitsme" not in text and "draft-4711" not in text and "?" not in text
    assert re.search(r'"GET /p/<token>" 200 \d+ \d+ms', text), text
    assert '"GET /api/v1/links/<token>/survey" 200' in text
    assert '"GET /coordinate/submissions" 302' in text
    assert '"GET /nowhere/<redacted>" 404' in text
    assert "127.0.0.1 -" not in text, "no client address"
    assert '"GET /healthz" 200' in text


def test_redact_path_hides_tokens_but_keeps_plain_words():
    assert redact_path("/p/abc") == "/p/<token>"
    assert redact_path("/api/v1/links/xyz/submissions") == "/api/v1/links/<token>/submissions"
    assert redact_path("/static/js/form.js") == "/static/js/form.js"
    assert redact_path("/x/3f2b8c1e-1111-4aaa-8bbb-123456789abc") == "/x/<redacted>"
