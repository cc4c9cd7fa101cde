"""The deployment as a city's IT person tries it: deploy/local-https.sh (the real nginx
config, TLS, a self-signed certificate) in front of ``survey-app serve``.

Checks what the proxy promises (compression of assets but not pages, Secure cookies,
release files cached a year, bodies above the app's limit refused by nginx, the client's
own X-Forwarded-For replaced, a clean stop) and drives Chromium through it: sign in,
install the service worker, go offline, record a session, come back and sync.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import PASSWORD
from support_deploy import ROOT, copy_database, free_port, server_env, wait_for
from support_offline import database_ids, fill_listening_session, wait_for_worker, wait_until

from survey_app.db import connect
from survey_app.settings import SETTINGS

pytestmark = pytest.mark.slow  # nginx comes from scripts/test.sh (apt-get install nginx)
SCRIPT = ROOT / "deploy" / "local-https.sh"
UNVERIFIED = ssl._create_unverified_context()  # the certificate is self-signed on purpose


class LocalHttps:
    """deploy/local-https.sh PORT as a subprocess (its own session, so a stop reaches only it)."""

    def __init__(self, database: Path):
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        env = server_env(database)
        env["SURVEY_APP_BIN"] = str(Path(sys.executable).parent / "survey-app")
        env["TMPDIR"] = str(database.parent)
        env["SURVEY_APP_WORKERS"] = "1"  # one worker: in-memory rate-limit counters are per process
        self.log = database.parent / "local-https.log"
        self.process = subprocess.Popen(
            [str(SCRIPT), str(self.port)],
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.url + "/healthz", seconds=90)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM the script only; it must stop nginx and the app itself."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def site(tmp_path, template_database):
    database = copy_database(template_database, tmp_path / "site")
    running = LocalHttps(database)
    yield running
    running.stop()
    running.kill_all()  # only if the clean stop failed (the test below checks it did not)


def get(url: str, headers: dict | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        return urllib.request.urlopen(request, context=UNVERIFIED, timeout=30)
    except urllib.error.HTTPError as exc:
        return exc


def test_the_proxy_compresses_assets_not_pages_and_keeps_release_files_a_year(site):
    js = get(site.url + "/static/js/formlogic.js", {"Accept-Encoding": "gzip"})
    assert js.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(js.read()) == (ROOT / "static" / "js" / "formlogic.js").read_bytes()
    page = get(site.url + "/login", {"Accept-Encoding": "gzip"})  # a GET with no query: gzip
    assert page.status == 200 and page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.read()).decode()
    reflecting = get(site.url + "/login?next=/forms/x", {"Accept-Encoding": "gzip"})  # BREACH: no gzip
    assert reflecting.status == 200 and reflecting.headers.get("Content-Encoding") is None
    css = re.search(r'href="(/static/r/[^"]+/css/app\.css)"', html).group(1)
    cached = get(site.url + css, {"Accept-Encoding": "gzip"})
    assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "cookie" not in (cached.headers.get("Vary") or "").lower()


def test_cookies_are_secure_and_the_public_url_is_printed(site):
    response = get(site.url + "/login")
    cookies = response.headers.get_all("Set-Cookie")
    assert cookies and all("Secure" in cookie for cookie in cookies)
    assert f"Public URL: {site.url}/" in site.output()


def test_nginx_refuses_bodies_above_the_apps_limit(site):
    limit = next(s.default for s in SETTINGS if s.name == "MAX_BODY_BYTES")
    snippet = (ROOT / "deploy" / "nginx" / "survey-app-proxy.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", snippet).group(1)
    assert int(size) * 1024 * 1024 == limit  # the two limits are one number
    too_big = get(site.url + "/api/v1/submissions", {"Content-Type": "application/json"}, b"x" * (limit + 1))
    assert too_big.status == 413


def test_a_clients_own_forwarded_for_is_replaced_by_the_proxy(site, tmp_path):
    """Behind the one trusted proxy, the address the app sees is the connection's, not a claim."""
    from support_links import make_link, record

    from survey_app import create_app

    app = create_app({"DATABASE": str(tmp_path / "site" / "field.db"), "SECRET_KEY": "deploy-test-secret"})
    link = make_link(app)
    body = json.dumps({"submissions": [record()]}).encode()
    answers = []
    for n in range(40):  # 30 per minute per address: faked addresses must not reset the count
        headers = {"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{n}"}
        answers.append(get(f"{site.url}/api/v1/links/{link.token}/submissions", headers, body).status)
    assert 429 in answers, answers


def test_the_script_stops_nginx_and_the_app_cleanly(tmp_path, template_database):
    database = copy_database(template_database, tmp_path / "stop")
    running = LocalHttps(database)
    try:
        assert running.stop() == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(running.url + "/healthz", context=UNVERIFIED, timeout=3)
        leftovers = subprocess.run(["pgrep", "-g", str(running.process.pid)], capture_output=True, text=True)
        assert leftovers.stdout.strip() == "", leftovers.stdout
        assert not list(database.parent.glob("survey-https.*"))  # its temporary folder is gone
        assert "local-https: stopped" in running.output()
    finally:
        running.kill_all()


@pytest.mark.browser
def test_chromium_through_https_signs_in_works_offline_and_syncs(
    site, tmp_path, browser_type, browser_type_launch_args
):
    args = [*browser_type_launch_args.get("args", []), "--ignore-certificate-errors"]
    browser = browser_type.launch(**{**browser_type_launch_args, "args": args})
    try:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, base_url=site.url, ignore_https_errors=True
        )
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", "facilitator")
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(re.compile(r".*/$"))
        assert page.evaluate("window.isSecureContext") is True
        wait_for_worker(page)
        context.set_offline(True)
        page.goto("/forms/listening_session")  # served by the service worker
        fill_listening_session(page, 1)
        record_id = page.input_value("input[name=_id]")
        page.click("[data-finalise]")
        page.wait_for_selector("#finalised")
        page.goto("/")
        page.wait_for_function("() => document.querySelector('[data-count=outbox]').textContent === '1'")
        database = tmp_path / "site" / "field.db"
        db = connect(str(database))
        try:
            assert database_ids(db) == []
            context.set_offline(False)
            page.click("#sync-now")
            page.wait_for_function("() => document.querySelector('[data-count=sent]').textContent === '1'")
            wait_until(lambda: database_ids(db) == [record_id], message="the record on the server")
        finally:
            db.close()
        context.close()
    finally:
        browser.close()
