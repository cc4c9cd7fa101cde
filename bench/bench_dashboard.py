"""Dashboard, summary and first submissions page at 100,000 records, through the HTTP stack.

    .venv/bin/python bench/bench_dashboard.py [--db bench/out/bench-100000.db] [--runs 9]

Each URL is requested ``--runs`` times from a client on 127.0.0.1 against
``survey-app serve`` (gunicorn, deploy config), after one warm-up request; the median
and the slowest are printed (goal: under 0.5 s), with the median CPU time the server
spent (gunicorn's processes, from /proc: what the request costs on an idle machine,
since on a loaded one wall time is mostly waiting for a core; /proc counts in 10 ms
ticks). Nothing is cached between requests: every request counts again in SQLite.

Then the backlog (issue 13, item 3): on a copy of the database with its derived index
emptied (every one of the 100,000 records waiting, as after migration m0018 or a huge
sync), the first summary and dashboard (goal: under 2 s; they answer from what is
indexed and say how many wait), then phones syncing 20-record batches while the
server's background indexer catches up: p50/p95/slowest and 503s, against the same
syncs once nothing is left to index (baseline in the same run), and how long the
catch-up took. Also the first dashboard after a sync of 1,000 records.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serverproc import Server, coordinator_token, load_average  # noqa: E402

from survey_app.db import connect  # noqa: E402
from survey_app.surveys.registry import get_definition  # noqa: E402

PAGES = [
    ("dashboard", "/coordinate/dashboard?survey=listening_session"),
    ("summary API", "/api/v1/surveys/listening_session/summary"),
    ("submissions, first page", "/coordinate/submissions?survey=listening_session"),
    ("dashboard, district=likoni", "/coordinate/dashboard?survey=listening_session&district=likoni"),
    ("dashboard, state=received", "/coordinate/dashboard?survey=listening_session&state=received"),
    ("dashboard, q=jobs", "/coordinate/dashboard?survey=listening_session&q=jobs"),
    ("submissions, q=jobs", "/coordinate/submissions?survey=listening_session&q=jobs"),
    ("submissions, state=rejected", "/coordinate/submissions?survey=listening_session&state=rejected"),
]


def timed_get(url: str, token: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        status = response.status
    assert status == 200, status
    return time.perf_counter() - started, len(body)


def _reset_index(db) -> None:
    """Empty the derived index, as m0018 leaves it: every stored record waits to be indexed."""
    with db.conn:
        for table in ("submission_answers", "submission_networks", "submission_facts", "facts_concern_codes"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM facts_slots")
        db.execute("INSERT INTO submission_search (submission_search) VALUES ('delete-all')")
        db.execute("UPDATE derived_index_watermark SET indexed_rowid = 0")


def _post(url: str, token: str, body: bytes) -> tuple[float, int]:
    request = urllib.request.Request(
        url, data=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return time.perf_counter() - started, status


def _sync_load(url: str, token: str, batches: list[bytes], until) -> list[tuple[float, int]]:
    """Phones syncing: one batch after another (a short pause between) until ``until()``."""
    results = []
    for body in batches:
        if until():
            break
        results.append(_post(url + "/api/v1/submissions", token, body))
        time.sleep(0.02)
    return results


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=0)


def backlog(database: Path, batch: int = 20) -> None:
    """After 100,000 synced records (none indexed): the first summary and dashboard, then
    syncs while the background indexer catches up, against the same syncs with nothing to
    index (baseline, same run). Runs on a copy: the benchmark data stays as it was."""
    import json
    import threading

    from make_data import FACILITATORS
    from make_data import records as generate

    from survey_app.auth.tokens import create_token
    from survey_app.auth.users import find_user
    from survey_app.records.derived_index import pending_count

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        source, db = connect(str(database)), connect(str(copy))
        source.conn.backup(db.conn)
        source.close()
        _reset_index(db)
        waiting = pending_count(db)
        definition = get_definition(db, "listening_session")
        user = find_user(db, FACILITATORS[0])
        phone = create_token(db, user["id"] if isinstance(user, dict) else user.id, "bench-phone")
        items = list(generate(24000, definition, seed=23))
        bodies = [
            json.dumps({"submissions": items[i : i + batch]}).encode() for i in range(0, len(items), batch)
        ]
        token = coordinator_token(copy)
        server = Server(copy)
        try:
            first, size = timed_get(server.url + PAGES[1][1], token)
            dash, _ = timed_get(server.url + PAGES[0][1], token)
            print(f"backlog of {waiting:,} records: first summary {first:.3f}s, first dashboard {dash:.3f}s")
            done = threading.Event()
            started = time.perf_counter()

            def watch():
                while pending_count(db) > 0:
                    time.sleep(0.25)
                done.set()

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            during = _sync_load(server.url, phone, bodies[:-150], done.is_set)
            done.wait(timeout=900)
            caught_up = time.perf_counter() - started
            baseline = _sync_load(server.url, phone, bodies[-150:], lambda: False)
        finally:
            server.stop()
        db.close()
    for name, runs in (("during catch-up", during), ("nothing to index (baseline)", baseline)):
        times = [t for t, _ in runs]
        busy = sum(1 for _, status in runs if status == 503)
        print(
            f"sync of {batch}-record batches, {name}: {len(runs)} batches,"
            f" p50 {statistics.median(times):.3f}s, p95 {_p95(times):.3f}s,"
            f" slowest {max(times):.3f}s, 503s: {busy}"
        )
    if during and baseline:
        ratio = _p95([t for t, _ in during]) / _p95([t for t, _ in baseline])
        print(f"p95 during catch-up / baseline: {ratio:.2f}x")
    print(f"background indexer caught up with {waiting:,} records in {caught_up:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "bench-100000.db")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--skip-ingest", action="store_true", help="skip the backlog measurements")
    parser.add_argument("--only-backlog", action="store_true", help="only the backlog measurements")
    args = parser.parse_args()
    if not args.db.exists():
        from make_data import build

        print(f"building {args.db} (100,000 records through ingest; a few minutes)...")
        build(args.db, 100_000)
    if args.only_backlog:
        backlog(args.db)
        return
    token = coordinator_token(args.db)
    print(f"database: {args.db}; load average before: {load_average()}")
    server = Server(args.db)
    try:
        print(f"{'page':32} {'median':>8} {'slowest':>8} {'server CPU':>10} {'bytes':>8}")
        for name, path in PAGES:
            timed_get(server.url + path, token)  # warm-up: definitions, connections
            times, cpu = [], []
            for _ in range(args.runs):
                before = server.cpu_seconds()
                seconds, size = timed_get(server.url + path, token)
                times.append(seconds)
                cpu.append(server.cpu_seconds() - before)
            median = statistics.median(times)
            verdict = "ok" if median < 0.5 else "OVER 0.5 s (wall)"
            print(
                f"{name:32} {median:7.3f}s {max(times):7.3f}s"
                f" {statistics.median(cpu):9.3f}s {size:8,}  {verdict}"
            )
        master, worker = server.peak_rss_mb()
        print(f"peak RSS: master {master:.1f} MB, busiest worker {worker:.1f} MB")
    finally:
        server.stop()
    print(f"load average after: {load_average()}")
    if not args.skip_ingest:
        backlog(args.db)


if __name__ == "__main__":
    main()
