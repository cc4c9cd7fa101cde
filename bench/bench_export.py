"""Export speed and memory at 100,000 listening sessions, through the real HTTP stack.

    .venv/bin/python bench/bench_export.py [--db bench/out/bench-100000.db] [--runs 3]

* CSV through ``survey-app serve`` (gunicorn with deploy/gunicorn.conf.py), read by an
  HTTP client on 127.0.0.1 and written to a file, against a plain ``csv.writer`` loop
  over the same rows measured in the same run: the same SELECT, ``json.loads`` of each
  record and one cell per export column, written to a file. Medians of ``--runs`` runs,
  and their ratio (goal: the export at least half the loop's speed).
* Every format once on a freshly started server, with the peak resident memory
  (VmHWM) of gunicorn's master and of its busiest worker (goal: under 150 MB each).

``--in-process xlsx`` instead times the XLSX writer alone in this process (no server, no
HTTP): wall and CPU seconds, and this process's peak RSS, for profiling the writer.

The database is made by ``bench/make_data.py`` if it does not exist. Benchmarks print
figures; they are not tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serverproc import Server, coordinator_token, load_average  # noqa: E402

from survey_app.db import connect  # noqa: E402
from survey_app.exports.columns import META_COLUMNS, survey_columns  # noqa: E402

SURVEY = "listening_session"
FORMATS = ["csv", "json", "ndjson", "geojson", "xlsx"]
OUT = ROOT / "bench" / "out"


def download(url: str, token: str, target: Path) -> tuple[float, int]:
    """GET a URL and write the body to a file; return (seconds, bytes)."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    size = 0
    with urllib.request.urlopen(request, timeout=1800) as response, open(target, "wb") as out:
        while block := response.read(256 * 1024):
            out.write(block)
            size += len(block)
    return time.perf_counter() - started, size


def plain_csv_loop(database: Path, target: Path) -> tuple[float, int]:
    """The baseline: the same rows, written by a plain csv.writer loop (no HTTP, no formatting)."""
    db = connect(str(database))
    names = [c.name for c in survey_columns(db, SURVEY)]
    started = time.perf_counter()
    rows = 0
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(META_COLUMNS + names)
        for sid, version, data, source, received, validation, state, conflict, username in db.conn.execute(
            "SELECT s.id, s.version, s.data, s.source, s.received_at, s.validation, s.review_state,"
            " s.has_conflict, u.username FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by"
            " WHERE s.survey_id = ? ORDER BY s.received_at, s.rowid",
            [SURVEY],
        ):
            answers = json.loads(data)
            writer.writerow(
                [sid, version, username, source, received, validation, state, conflict]
                + [answers.get(name, "") for name in names]
            )
            rows += 1
    seconds = time.perf_counter() - started
    db.close()
    return seconds, rows


def in_process_xlsx(database: Path) -> None:
    """The XLSX writer alone, on every record, in this process."""
    import resource

    from survey_app.exports.xlsx_export import write_xlsx
    from survey_app.records.filters import Filters

    db = connect(str(database))
    print(f"load average before: {load_average()}")
    started, cpu = time.perf_counter(), time.process_time()
    written = write_xlsx(db, Filters(survey_id=SURVEY), str(OUT / "in-process.xlsx"))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = (OUT / "in-process.xlsx").stat().st_size / 1e6
    print(f"XLSX in process: {written:,} records in {seconds:.2f} s ({cpu:.2f} s CPU), {size:.1f} MB,")
    print(f"  peak RSS {peak:.0f} MB; load average after: {load_average()}")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=OUT / "bench-100000.db")
    parser.add_argument("--runs", type=int, default=3, help="CSV-against-loop runs (0: skip them)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--in-process", choices=["xlsx"], help="time the XLSX writer alone, here")
    args = parser.parse_args()
    if args.in_process:
        in_process_xlsx(args.db)
        return
    if not args.db.exists():
        from make_data import build

        print(f"building {args.db} (100,000 records through ingest; a few minutes)...")
        build(args.db, 100_000)
    token = coordinator_token(args.db)
    db = connect(str(args.db))
    records = db.execute("SELECT count(*) FROM submissions WHERE survey_id = ?", [SURVEY]).fetchone()[0]
    db.close()
    print(f"database: {args.db} ({records:,} {SURVEY} records); load average before: {load_average()}")

    if args.runs:
        csv_against_loop(args, token, records)
    every_format(args, token)


def csv_against_loop(args, token: str, records: int) -> None:
    """CSV through HTTP against the plain loop, ``--runs`` times each (0: skipped)."""
    server = Server(args.db)
    try:
        url = f"{server.url}/api/v1/surveys/{SURVEY}/submissions.csv"
        http_times, loop_times = [], []
        for _ in range(args.runs):
            seconds, size = download(url, token, OUT / "export.csv")
            http_times.append(seconds)
            loop_seconds, rows = plain_csv_loop(args.db, OUT / "baseline.csv")
            loop_times.append(loop_seconds)
        http_s, loop_s = statistics.median(http_times), statistics.median(loop_times)
        print("\nCSV, median of", args.runs, "runs")
        print(
            f"  export through HTTP (gunicorn): {http_s:6.2f} s  {records / http_s:9,.0f} records/s"
            f"  {size / 1e6:.0f} MB"
        )
        print(f"  plain csv.writer loop:          {loop_s:6.2f} s  {rows / loop_s:9,.0f} records/s")
        print(f"  ratio export/loop speed:        {loop_s / http_s:.2f}  (goal >= 0.50)")
        print(
            f"  runs (s): http {[round(t, 2) for t in http_times]}, loop {[round(t, 2) for t in loop_times]}"
        )
    finally:
        server.stop()


def every_format(args, token: str) -> None:
    """Each format once on a freshly started server: time, server CPU, size, peak RSS."""
    print(
        "\nEvery format on a fresh server: time (and the server's CPU time), size, peak RSS (VmHWM)"
        " of master and busiest worker"
    )
    for fmt in args.formats.split(","):
        server = Server(args.db)
        try:
            before = server.peak_rss_mb()[1]
            cpu = server.cpu_seconds()
            seconds, size = download(
                f"{server.url}/api/v1/surveys/{SURVEY}/submissions.{fmt}", token, OUT / f"export.{fmt}"
            )
            master, worker = server.peak_rss_mb()
            cpu = server.cpu_seconds() - cpu
        finally:
            server.stop()
        verdict = "ok" if max(master, worker) < 150 else "OVER 150 MB"
        print(
            f"  {fmt:8} {seconds:7.2f} s ({cpu:6.2f} s server CPU) {size / 1e6:7.1f} MB"
            f"   master {master:5.1f} MB, worker {worker:5.1f} MB (idle {before:.1f})  {verdict}"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
