"""Page weight of the form page on the wire: what a first visit downloads, and what a
repeat visit offline downloads (nothing).

    .venv/bin/python bench/bench_page_weight.py [--verbose]

The same visit is made three times, in one run, by Debian's Chromium at a 390x844 viewport:

1. **app server, uncompressed**: the app in-process (werkzeug in a thread) with its
   compression turned off, behind a WSGI wrapper that counts every body it sends;
2. **survey-app serve as shipped**: the same, with the app's own gzip (Flask-Compress:
   assets and JSON, not HTML), as a phone gets it with no proxy;
3. **through deploy/**: ``deploy/local-https.sh`` (nginx with TLS and gzip, the shipped
   config) in front of ``survey-app serve``; bytes are nginx's ``$body_bytes_sent`` from
   its access log, i.e. what left the proxy for the phone (headers and TLS not counted).

Each visit: open the sign-in page with ``?next=/forms/listening_session`` and sign in, so
the first page after it is the form; everything sent until the worker controls the page
is the first visit (sign-in page, form page, CSS, JavaScript and the service worker's
install: the precache of the app shell and the account's other pages). Then the form
again in a new tab with the connection cut: bytes sent and responses not served by the
service worker must both be zero. Goal: first visit under 100 KB through deploy/.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from deployproc import LocalHttps  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.auth.users import create_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.surveys.registry import install_builtins  # noqa: E402

PASSWORD = "bench-password-2026"
FORM = "/forms/listening_session"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOG_LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) (\d+)')


class ByteCounter:
    """WSGI wrapper: per request, the size of the response body as sent."""

    def __init__(self, app):
        self.app = app
        self.rows: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = b"".join(self.app(environ, start_response))
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        with self.lock:
            self.rows.append((f"{environ['REQUEST_METHOD']} {path}", len(body)))
        return [body]

    def take(self) -> list[tuple[str, int]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows


class NginxLog:
    """Rows from nginx's access log, from where the last ``take()`` stopped."""

    def __init__(self, path: Path):
        self.path, self.offset = path, path.stat().st_size

    def take(self) -> list[tuple[str, int]]:
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            text = handle.read().decode(errors="replace")
            self.offset = handle.tell()
        return [(f"{m[1]} {m[2]}", int(m[4])) for m in map(LOG_LINE.search, text.splitlines()) if m]


def make_database(path: Path) -> Path:
    db = connect(str(path))
    migrate(db)
    install_builtins(db)
    create_user(db, "facilitator", PASSWORD, "facilitator")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def in_process(database: Path, compress: bool):
    config = {"DATABASE": str(database), "SECRET_KEY": "bench-secret"}
    if not compress:
        config["COMPRESS_MIMETYPES"] = []  # Flask-Compress then stays off
    app = create_app(config)
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", counter


def trusted_certificate_args(workdir: Path) -> list[str]:
    """Trust deploy/local-https.sh's self-signed certificate by its key's hash.

    With plain ``--ignore-certificate-errors`` Chromium keeps nothing in its HTTP cache for
    the site, so every revalidation (304 on a real phone) would be counted as a download.
    """
    (cert,) = workdir.glob("survey-https.*/cert.pem")
    pubkey = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], capture_output=True)
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "der"], input=pubkey.stdout, capture_output=True
    )
    spki = base64.b64encode(hashlib.sha256(der.stdout).digest()).decode()
    return [f"--ignore-certificate-errors-spki-list={spki}"]


def visit(playwright, base: str, counter, extra_args=()) -> tuple[list, list, list, list]:
    """One first visit and one offline repeat; (page rows, worker rows, offline rows, from network)."""
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=[*CHROMIUM_ARGS, *extra_args]
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=base, ignore_https_errors=True
    )
    page = context.new_page()
    page_requests: list[str] = []
    page.on("request", lambda request: page_requests.append(request.url.removeprefix(base)))
    counter.take()
    page.goto(f"/login?next={FORM}")
    page.fill("#username", "facilitator")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"**{FORM}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # let the last log lines land
    first = counter.take()
    # A URL the page asked for k times: its first k downloads are the page's own,
    # the rest (the same files again, into the cache) are the worker's install.
    wanted = Counter(page_requests)
    own, worker = [], []
    for row in first:
        url = row[0].split(" ", 1)[1]
        (own if wanted[url] > 0 else worker).append(row)
        wanted[url] -= 1

    context.set_offline(True)
    repeat = context.new_page()
    responses = []
    repeat.on("response", lambda response: responses.append(response))
    repeat.goto(FORM)
    repeat.wait_for_load_state("networkidle")
    assert repeat.locator("form.survey-form").is_visible()
    offline_rows = counter.take()
    from_network = [r.url for r in responses if not r.from_service_worker]
    browser.close()
    return own, worker, offline_rows, from_network


def kind_of(request: str) -> str:
    path = request.split(" ", 1)[1].split("?")[0]
    if path.endswith(".js"):
        return "JavaScript"
    if path.endswith(".css"):
        return "CSS"
    if "/icons/" in path:
        return "images"
    return "pages and JSON"


def report(title: str, own: list, worker: list, offline: list, from_network: list, verbose: bool) -> int:
    total = sum(b for _, b in own) + sum(b for _, b in worker)
    print(f"{title}: first visit {total / 1024:.1f} KB in {len(own) + len(worker)} responses")
    for label, rows in (("pages and what they load", own), ("service worker's install", worker)):
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for request, size in rows:
            groups[kind_of(request)][0] += 1
            groups[kind_of(request)][1] += size
        print(f"  {label}: {sum(b for _, b in rows) / 1024:.1f} KB")
        for kind, (count, size) in sorted(groups.items()):
            print(f"      {kind:15s} {count:3d} responses  {size / 1024:7.1f} KB")
        if verbose:
            for request, size in rows:
                print(f"        {request:64s} {size / 1024:7.1f} KB")
    print(
        f"  repeat visit offline: {sum(b for _, b in offline)} bytes from the server,"
        f" {len(from_network)} responses not from the service worker"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every response")
    verbose = parser.parse_args().verbose
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("nginx is needed for the deploy/ measurement: apt-get install nginx")
    totals = {}
    with tempfile.TemporaryDirectory(prefix="bench-weight-") as folder, sync_playwright() as playwright:
        work = Path(folder)
        for name, compress in (("app server, uncompressed", False), ("survey-app serve (its gzip)", True)):
            server, base, counter = in_process(make_database(work / f"{compress}.db"), compress)
            totals[name] = report(name, *visit(playwright, base, counter), verbose)
            server.shutdown()
        proxy = LocalHttps(make_database(work / "proxy.db"), work, SURVEY_APP_WORKERS="1")
        try:
            name = "through deploy/ (nginx, TLS, gzip)"
            rows = visit(playwright, proxy.url, NginxLog(proxy.access_log()), trusted_certificate_args(work))
            totals[name] = report(name, *rows, verbose)
        finally:
            proxy.stop()
    baseline = totals["app server, uncompressed"]
    print()
    for name, total in totals.items():
        print(f"{name:40s} {total / 1024:7.1f} KB  ({total / baseline:.2f} of uncompressed)")
    print("goal: first visit under 100 KB through deploy/")


if __name__ == "__main__":
    main()
