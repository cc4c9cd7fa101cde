"""Registry feed, review snapshot and public page at N records, against same-run baselines.

    .venv/bin/python bench/bench_plans.py [--records 20000] [--runs 5]

Builds a fresh database of N listening sessions (bench/make_data.py's generator, through
the real ingest), then measures, in-process (no HTTP):

* the registry feed (``networks.feed.catch_up``: every record's declared repeat read into
  mentions), as records per second, against the derived index's own ``catch_up`` of the
  same records (the read-time indexing coordinators already pay), as a ratio;
* a review snapshot of a plan with 6 actions over one quarter and the quarter before,
  and the public page's table and suppression (``heard.build``), each as the median of
  ``--runs``, against a plain ``GROUP BY area`` count over ``submission_facts`` (the least
  any of them can read), as a ratio;
* the public page's weight: gzip bytes of its HTML and the two stylesheets (no script).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_data import build  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.networks.feed import catch_up as feed_catch_up  # noqa: E402
from survey_app.plans import heard, model, reviews  # noqa: E402
from survey_app.records.derived_index import catch_up as index_catch_up  # noqa: E402


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-plans-"))
    path = folder / "bench.db"
    built = build(path, args.records)
    print(f"{built['records']:,} records stored in {built['seconds']:.1f} s")
    db = connect(str(path))

    started = time.perf_counter()
    indexed = index_catch_up(db)
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    feed_catch_up(db)
    feed_s = time.perf_counter() - started
    mentions = db.execute("SELECT count(*) FROM registry_mentions").fetchone()[0]
    orgs = db.execute("SELECT count(*) FROM registry_orgs").fetchone()[0]
    print(
        f"derived index catch-up (baseline): {indexed:,} records in {index_s:.2f} s"
        f" = {indexed / index_s:,.0f} records/s"
    )
    print(
        f"registry feed: {args.records:,} records, {mentions:,} mentions, {orgs} entries in {feed_s:.2f} s"
        f" = {args.records / feed_s:,.0f} records/s; ratio to the index catch-up {feed_s / index_s:.2f}"
    )

    end = date.today().replace(day=1) - timedelta(days=1)
    start = (end - timedelta(days=80)).replace(day=1)
    plan_id = model.save_plan(
        db,
        {
            "title": "Bench",
            "areas": [],
            "surveys": [],
            "period_start": "2025-01-01",
            "period_end": "2028-12-31",
            "review_dates": [],
        },
        None,
    )
    for concerns in (
        ["jobs"],
        ["crime", "drugs"],
        ["water_sanitation"],
        ["housing", "food"],
        ["police_conduct"],
        ["hate_speech", "ethnic_religious_tension"],
    ):
        model.save_action(
            db, plan_id, {"title": "/".join(concerns), "concerns": concerns, "status": "planned"}, None
        )
    plan = model.get_plan(db, plan_id)

    def baseline():
        db.execute(
            "SELECT area, count(*), total(women), total(youth) FROM submission_facts f"
            " WHERE f.survey_id = 'listening_session' AND f.validation = 'valid'"
            " AND f.review_state != 'rejected' GROUP BY area"
        ).fetchall()

    base_s = median_time(baseline, args.runs)
    review_s = median_time(
        lambda: reviews.build_snapshot(db, plan, start.isoformat(), end.isoformat()), args.runs
    )
    page_s = median_time(lambda: heard.build(db, "listening_session", None, 5), args.runs)
    print(f"plain GROUP BY area over submission_facts (baseline): {base_s * 1000:.1f} ms")
    print(f"review snapshot, 6 actions, 2 quarters: {review_s * 1000:.1f} ms; ratio {review_s / base_s:.1f}")
    print(f"public page table + suppression: {page_s * 1000:.1f} ms; ratio {page_s / base_s:.1f}")

    heard.publish(db, "listening_session", None, 5, None)
    app = create_app({"DATABASE": str(path), "SECRET_KEY": "bench", "TESTING": True})
    client = app.test_client()
    body = client.get("/heard/listening_session?lang=sw").data
    css = [(ROOT / "static" / "css" / name).read_bytes() for name in ("app.css", "plans.css")]
    weight = sum(len(gzip.compress(part)) for part in [body, *css])
    print(
        f"public page weight, first visit: {weight:,} bytes gzip (HTML {len(gzip.compress(body)):,},"
        f" CSS {sum(len(gzip.compress(c)) for c in css):,}; no JavaScript)"
    )


if __name__ == "__main__":
    main()
