"""Page weight of the form page: what a first visit downloads, and what a repeat visit
offline downloads (nothing).

    .venv/bin/python bench/bench_page_weight.py

Serves the app on 127.0.0.1 (werkzeug in a thread) behind a small WSGI wrapper that
counts every response body the server sends, raw and gzip-compressed (level 6, as a
reverse proxy would send it), then drives Debian's Chromium at a 390x844 viewport:

1. open the sign-in page with ``?next=/forms/listening_session`` and sign in, so the first
   page after it is the form: everything sent until the worker controls the page is the
   first visit (sign-in page, form page, CSS, JavaScript, and the service worker's
   install: the precache of the app shell and the account's other pages);
2. open the form again in a new tab with the connection cut: bytes the server sent and
   responses not served by the service worker must both be zero.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


class ByteCounter:
    """WSGI wrapper: per request path, the raw and gzip size of the response body."""

    def __init__(self, app):
        self.app = app
        self.rows: list[tuple[str, int, int]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = b"".join(self.app(environ, start_response))
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        with self.lock:
            self.rows.append((f"{environ['REQUEST_METHOD']} {path}", len(body), len(gzip.compress(body, 6))))
        return [body]

    def take(self) -> list[tuple[str, int, int]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows


def serve(workdir: Path):
    database = workdir / "weight.db"
    db = connect(str(database))
    migrate(db)
    install_builtins(db)
    create_user(db, "facilitator", PASSWORD, "facilitator")
    db.close()
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "bench-secret"})
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter


def report(title: str, rows: list[tuple[str, int, int]], verbose: bool) -> tuple[int, int]:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for request, raw, zipped in rows:
        path = request.split(" ", 1)[1].split("?")[0]
        kind = (
            "JavaScript"
            if path.endswith(".js")
            else "CSS"
            if path.endswith(".css")
            else "images"
            if path.startswith("/static/icons/")
            else "pages and JSON"
        )
        group = groups[kind]
        group[0] += 1
        group[1] += raw
        group[2] += zipped
    raw_total = sum(r[1] for r in rows)
    gzip_total = sum(r[2] for r in rows)
    print(f"{title}: {len(rows)} responses, {raw_total / 1024:.1f} KB raw, {gzip_total / 1024:.1f} KB gzip")
    for kind, (count, raw, zipped) in sorted(groups.items()):
        print(f"    {kind:15s} {count:3d} responses  {raw / 1024:7.1f} KB raw  {zipped / 1024:6.1f} KB gzip")
    if verbose:
        for request, raw, zipped in rows:
            print(f"        {request:60s} {raw / 1024:7.1f} KB raw  {zipped / 1024:6.1f} KB gzip")
    return raw_total, gzip_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every response")
    verbose = parser.parse_args().verbose
    with tempfile.TemporaryDirectory(prefix="bench-weight-") as folder:
        server, counter = serve(Path(folder))
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base)
            page = context.new_page()
            page_requests: list[str] = []
            page.on("request", lambda request: page_requests.append(request.url.removeprefix(base)))
            page.goto(f"/login?next={FORM}")
            page.fill("#username", "facilitator")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url(f"**{FORM}")
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.wait_for_load_state("networkidle")
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
        server.shutdown()

    _, page_gzip = report("First visit, the pages and what they load", own, verbose)
    _, worker_gzip = report("First visit, the service worker's install (precache)", worker, verbose)
    print(f"First visit in all: {(page_gzip + worker_gzip) / 1024:.1f} KB gzip (goal: under 100 KB)")
    offline_raw = sum(row[1] for row in offline_rows)
    print(
        f"Repeat visit offline: {offline_raw} bytes from the server, "
        f"{len(from_network)} responses not from the service worker ({len(responses)} in all)"
    )


if __name__ == "__main__":
    main()
