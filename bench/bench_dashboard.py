"""Dashboard, summary and first submissions page at 100,000 records, through the HTTP stack.

    .venv/bin/python bench/bench_dashboard.py [--db bench/out/bench-100000.db] [--runs 9]

Each URL is requested ``--runs`` times from a client on 127.0.0.1 against
``survey-app serve`` (gunicorn, deploy config), after one warm-up request; the median
and the slowest are printed (goal: under 0.5 s), with the median CPU time the server
spent (gunicorn's processes, from /proc: what the request costs on an idle machine,
since on a loaded one wall time is mostly waiting for a core; /proc counts in 10 ms
ticks). Nothing is cached between requests:
every request counts again in SQLite. Then, for the lead's ingest figures, the cost of
the derived index and full-text search: the same 5,000 records through ``ingest`` with
m0004's insert trigger put back (indexing at write time, as before m0005) and without it
(as now), and the rate at which ``catch_up`` indexes them at the next coordinator read.
Lastly the first dashboard after a sync of 1,000 records (it indexes them first).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serverproc import Server, coordinator_token, load_average  # noqa: E402

from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.review.derived_index import catch_up  # noqa: E402
from survey_app.surveys.registry import get_definition, install_builtins  # noqa: E402
from survey_app.sync.ingest import Origin, ingest  # noqa: E402

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


def _put_back_insert_trigger(db) -> None:
    """Re-create m0004's insert trigger (dropped by m0005), from m0004's own SQL."""
    spec = importlib.util.spec_from_file_location("m0004", ROOT / "migrations" / "m0004_review.py")
    m0004 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0004)
    body = "; ".join(m0004._on_insert("new"))
    db.execute(f"CREATE TRIGGER submissions_index_insert AFTER INSERT ON submissions BEGIN {body}; END")


def ingest_cost(records: int = 5000) -> tuple[float, float, float]:
    """Records/s through ``ingest`` with m0004's insert trigger and without (fresh files),
    and records/s of ``catch_up`` indexing the second lot."""
    from make_data import records as generate

    rates = []
    for trigger in (True, False):
        with tempfile.TemporaryDirectory() as folder:
            db = connect(str(Path(folder) / "cost.db"))
            migrate(db)
            install_builtins(db)
            if trigger:
                _put_back_insert_trigger(db)
            items = list(generate(records, get_definition(db, "listening_session"), seed=11))
            started = time.perf_counter()
            for start in range(0, len(items), 500):
                ingest(db, items[start : start + 500], Origin("api"))
            rates.append(records / (time.perf_counter() - started))
            if not trigger:
                started = time.perf_counter()
                assert catch_up(db) == records
                rates.append(records / (time.perf_counter() - started))
            db.close()
    return rates[0], rates[1], rates[2]


def first_read_after_sync(database: Path, records: int = 1000) -> tuple[float, float]:
    """Seconds of the first dashboard after ``records`` new records, and of the next one.

    Runs on a copy of the database, so the benchmark data stays as it was.
    """
    from make_data import records as generate

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        source, db = connect(str(database)), connect(str(copy))
        source.conn.backup(db.conn)
        source.close()
        items = list(generate(records, get_definition(db, "listening_session"), seed=5))
        for start in range(0, len(items), 50):
            ingest(db, items[start : start + 50], Origin("api"))
        db.close()
        token = coordinator_token(copy)
        server = Server(copy)
        try:
            url = server.url + PAGES[0][1]
            return timed_get(url, token)[0], timed_get(url, token)[0]
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "bench-100000.db")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    if not args.db.exists():
        from make_data import build

        print(f"building {args.db} (100,000 records through ingest; a few minutes)...")
        build(args.db, 100_000)
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
        first, next_ = first_read_after_sync(args.db)
        print(f"dashboard after 1,000 newly synced records: {first:.3f}s (indexing them), then {next_:.3f}s")
        with_trigger, without, indexing = ingest_cost()
        print(
            f"\ningest of 5,000 records: {with_trigger:,.0f} records/s with m0004's insert trigger,"
            f" {without:,.0f} without it, as now ({without / with_trigger:.2f}x);"
            f" catch_up indexes {indexing:,.0f} records/s at the next coordinator read"
        )


if __name__ == "__main__":
    main()
