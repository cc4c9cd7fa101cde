"""Attachment upload from a phone on a slow link: time, and bytes sent again after a cut.

    .venv/bin/python bench/bench_upload.py [--kbps 1000] [--latency-ms 150]

Serves the app on 127.0.0.1 (werkzeug in a thread) and drives Debian's Chromium at a
390x844 viewport with Chromium's network emulation (upload and download throttled,
latency added). In the signed-in page it keeps a 3 MB photo and a 2-minute recording
(about 1.9 MB: 128 kbit/s) as a record's files and sends them with the phone's own tus
client (static/js/upload-core.js, 256 KiB chunks), then:

- the baseline of the same run: the same bytes in one plain POST (no chunks, no resume),
  so the ratio is the cost of chunking and verification on this link;
- a cut at 50% and at 90% of each file, two ways: the chunk is lost before the server
  has it ("chunk lost"), or the server stores it and the answer is lost ("answer lost").
  The phone resumes with HEAD; the figure is the bytes it sent more than the file's size.

Figures are medians of ``--runs`` runs; the machine is shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
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
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-sandbox", "--no-first-run"]
FILES = {"photo": (3 * 1024 * 1024, "image/jpeg"), "audio": (120 * 16000, "audio/webm")}

SEND_JS = """
async ([size, type, seed]) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + seed) & 255;
  const blob = new Blob([bytes], { type });
  const m = await import('/static/js/offline.js');
  const store = await m.openStore();
  const id = crypto.randomUUID();
  const entry = await self.SurveyUpload.keep(store, id, 'q', blob, 'file');
  const record = { id, survey: 'listening_session', files: [entry.name] };
  const started = performance.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const who = await self.SurveySync.session();
    const outcome = await self.SurveyUpload.sendFiles(store, [record], { token: who.token });
    if (outcome.ready.has(id)) break;
    if (attempts > 5) throw new Error('gave up: ' + JSON.stringify(outcome.stop));
  }
  return { ms: performance.now() - started, attempts };
}
"""

PLAIN_JS = """
async ([size, type]) => {
  const bytes = new Uint8Array(size);
  const started = performance.now();
  const response = await fetch('/bench-plain-post', { method: 'POST', body: new Blob([bytes], { type }) });
  await response.text();
  return performance.now() - started;
}
"""


class Wire:
    """WSGI middleware: counts chunk bytes, cuts one connection on demand, and answers the
    baseline's plain POST (it reads the body and says nothing more)."""

    def __init__(self, app):
        self.inner = app
        self.sent = 0
        self.cut_at: int | None = None
        self.cut_mode = "answer"
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/bench-plain-post":
            stream, remaining = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
            while remaining > 0:
                remaining -= len(stream.read(min(remaining, 65536)) or b"x" * remaining)
            start_response("204 No Content", [])
            return []
        if environ["REQUEST_METHOD"] != "PATCH":
            return self.inner(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        end = int(environ.get("HTTP_UPLOAD_OFFSET") or 0) + length
        with self.lock:
            self.sent += length
            cut = self.cut_at is not None and end > self.cut_at
            if cut:
                self.cut_at = None
        if not cut:
            return self.inner(environ, start_response)
        if self.cut_mode == "answer":  # the server stores the chunk; the phone never hears
            b"".join(self.inner(environ, lambda *args, **kwargs: None))
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        start_response("204 No Content", [])  # never reaches the phone: the socket is shut
        return []


def serve(workdir: Path):
    database = workdir / "upload.db"
    db = connect(str(database))
    migrate(db)
    install_builtins(db)
    create_user(db, "facilitator", PASSWORD, "facilitator")
    db.close()
    app = create_app({"DATABASE": str(database), "SECRET_KEY": "bench-secret"})
    wire = Wire(app.wsgi_app)
    app.wsgi_app = wire
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, wire


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kbps", type=int, default=1000, help="throttled link, kbit/s each way")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        server, wire = serve(Path(folder))
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base)
            page = context.new_page()
            page.goto("/login")
            page.fill("#username", "facilitator")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url("**/")
            cdp = context.new_cdp_session(page)
            throughput = args.kbps * 1000 / 8
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": args.latency_ms,
                    "downloadThroughput": throughput,
                    "uploadThroughput": throughput,
                },
            )
            print(
                f"Link: {args.kbps} kbit/s each way, {args.latency_ms} ms latency; median of {args.runs} runs"
            )
            seed = 0
            for label, (size, kind) in FILES.items():
                plain = statistics.median(page.evaluate(PLAIN_JS, [size, kind]) for _ in range(args.runs))
                times = []
                for _ in range(args.runs):
                    seed += 1
                    times.append(page.evaluate(SEND_JS, [size, kind, seed])["ms"])
                chunked = statistics.median(times)
                print(
                    f"{label} ({size / 1024 / 1024:.1f} MB): tus upload {chunked / 1000:.1f} s, "
                    f"one plain POST {plain / 1000:.1f} s, ratio {chunked / plain:.2f}"
                )
                for fraction in (0.5, 0.9):
                    for mode in ("chunk", "answer"):
                        seed += 1
                        wire.sent, wire.cut_at, wire.cut_mode = 0, int(size * fraction), mode
                        started = time.monotonic()
                        result = page.evaluate(SEND_JS, [size, kind, seed])
                        extra = wire.sent - size
                        print(
                            f"    cut at {fraction:.0%} ({mode} lost): {extra / 1024:.0f} KiB sent again "
                            f"(one chunk is 256 KiB), {result['attempts']} attempts, "
                            f"{time.monotonic() - started:.1f} s"
                        )
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
