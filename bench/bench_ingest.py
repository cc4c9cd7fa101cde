"""Sync ingest through the real server, next to a plain SQLite insert of the same records.

    .venv/bin/python bench/bench_ingest.py [--records 10000] [--clients 4] [--batch 50] [--runs 1]

Starts ``survey-app serve`` (gunicorn with deploy/gunicorn.conf.py) on a free port of
127.0.0.1 with a fresh database, then a load generator in this process posts batches of
50 listening-session records to ``POST /api/v1/submissions`` (Bearer token, keep-alive
connections, several client threads) and times every batch. In the same run, the same
records go into a fresh SQLite file with a plain sqlite-utils batched insert, one
transaction per batch of 50 and the same durability (WAL, synchronous=FULL), once before
and once after the HTTP run: the limit of this machine for that write pattern. Prints
records/s for both, their ratio, the p50/p95 batch latency and the server's CPU per record.
Wall times on a shared 2-core machine drift from run to run: ``--runs 5`` repeats the whole
measurement and prints the median ratio.
Everything talks to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serverproc import children  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from survey_app.auth.tokens import create_token  # noqa: E402
from survey_app.auth.users import create_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.surveys.registry import install_builtins  # noqa: E402
from survey_app.sync.ingest import canonical, content_hash  # noqa: E402

DISTRICT_WARDS = {
    "likoni": ["likoni_ward"],
    "changamwe": ["port_reitz", "kipevu", "changamwe_ward", "chaani"],
}
CONCERNS = ["jobs", "food", "housing", "water_sanitation", "health", "education", "crime", "drugs"]
ORG_TYPES = ["civil_society", "religious", "youth_group", "womens_group", "health_provider"]
WORDS = "youth jobs police trust water market safety women land rent school clinic boda elders".split()  # noqa: SIM905


def make_record(rng: random.Random) -> dict:
    """One valid listening-session record as a phone sends it (answers and meta)."""
    district = rng.choice(list(DISTRICT_WARDS))
    women, men, undisclosed = rng.randint(0, 30), rng.randint(0, 30), rng.randint(0, 3)
    people = women + men + undisclosed
    concerns = rng.sample(CONCERNS, rng.randint(1, 4))
    data = {
        "session_date": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        "district": district,
        "ward": rng.choice(DISTRICT_WARDS[district]),
        "venue": f"Community hall {rng.randint(1, 40)}",
        "languages_used": rng.sample(["english", "swahili", "arabic"], rng.randint(1, 2)),
        "session_type": rng.choice(["community_forum", "youth_group", "womens_group", "mixed"]),
        "consent": "yes",
        "women": women,
        "men": men,
        "undisclosed": undisclosed,
        "youth": rng.randint(0, people),
        "minority_present": rng.choice(["yes", "no"]),
        "concerns": concerns,
        "most_urgent": rng.choice(concerns),
        "concerns_own_words": " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))),
        "trust_local_gov": rng.randint(1, 5),
        "trust_police": rng.randint(1, 5),
        "feel_safe": rng.randint(1, 5),
        "networks": [
            {"org_name": f"Group {rng.randint(1, 99)}", "org_type": rng.choice(ORG_TYPES)}
            for _ in range(rng.randint(0, 3))
        ],
        "follow_up_needed": "no",
        "safeguarding_flag": "no",
        "group_dynamics": " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 30))),
    }
    if not data["networks"]:
        del data["networks"]
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "survey": "listening_session",
        "version": "1",
        "data": data,
        "meta": {
            "started_at": "2026-11-20T09:00:00.000Z",
            "finalized_at": "2026-11-20T10:30:00.000Z",
            "device_id": "bench-device",
            "app_version": "bench",
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(path: Path) -> str:
    """A migrated database with the built-in surveys and one facilitator; returns a token."""
    db = connect(str(path))
    migrate(db)
    install_builtins(db)
    user = create_user(db, "bench", "ingest-password-2026", "facilitator")
    token = create_token(db, user.id, "bench")
    db.close()
    return token


def start_server(workdir: Path, database: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "SURVEY_APP_DATABASE": str(database),
        "SURVEY_APP_SECRET_KEY": "bench-secret",
    }
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "survey-app"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start; see " + str(workdir / "server.log"))


def post_batches(port: int, token: str, bodies: list[bytes], clients: int) -> tuple[float, list[float], int]:
    """Send every body from `clients` threads; return wall time, each batch's latency
    (until it was stored, 503 retries included) and how many 503 answers came back."""
    latencies: list[float] = []
    busy: list[int] = []
    failures: list[str] = []
    queue = list(enumerate(bodies))
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            started = time.perf_counter()
            while True:  # as a phone does: a 503 (database busy) is sent again
                conn.request("POST", "/api/v1/submissions", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                if response.status != 503:
                    break
                with lock:
                    busy.append(1)
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
            results = json.loads(payload).get("results", []) if response.status == 200 else []
            with lock:
                latencies.append(elapsed)
                if response.status != 200 or any(r["status"] != "stored" for r in results):
                    failures.append(f"{response.status} {payload[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} batches failed, first: {failures[0]}")
    return wall, latencies, len(busy)


def plain_insert(path: Path, batches: list[list[dict]]) -> tuple[float, float]:
    """The same rows with sqlite-utils, one transaction per batch, same pragmas: (wall, CPU)."""
    db = Database(str(path))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    table = db["submissions"]
    table.create(
        {"id": str, "survey_id": str, "version": str, "data": str, "meta": str, "content_hash": str},
        pk="id",
    )
    started = time.perf_counter()
    cpu = time.process_time()
    for batch in batches:
        rows = [
            {
                "id": item["id"],
                "survey_id": item["survey"],
                "version": item["version"],
                "data": canonical(item["data"]),
                "meta": canonical(item["meta"]),
                "content_hash": content_hash(item),
            }
            for item in batch
        ]
        with db.conn:
            table.insert_all(rows, batch_size=len(rows))
    elapsed = time.perf_counter() - started
    used = time.process_time() - cpu
    db.close()
    return elapsed, used


def wait_indexed(database: Path, timeout: float = 120.0) -> float:
    """Seconds until the derived index holds every stored record (as ``pending()`` sees it)."""
    from survey_app.records.derived_index import pending

    started = time.perf_counter()
    db = connect(str(database))
    try:
        while pending(db) and time.perf_counter() - started < timeout:
            time.sleep(0.2)
    finally:
        db.close()
    return time.perf_counter() - started


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of gunicorn's master and workers so far: on a loaded
    machine wall time measures the queue for a core, this what the requests cost."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in [pid, *children(pid)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat the whole measurement; prints each and the median ratio"
    )
    args = parser.parse_args()
    ratios = [measure(args) for _ in range(args.runs)]
    if args.runs > 1:
        listed = " / ".join(f"{ratio:.2f}" for ratio in ratios)
        print(f"ratios of {args.runs} runs: {listed}; median {statistics.median(ratios):.2f} (goal: >= 0.5)")


def measure(args: argparse.Namespace) -> float:
    """One whole run (fresh databases, fresh server); prints its figures, returns the ratio."""
    rng = random.Random(args.seed)
    records = [make_record(rng) for _ in range(args.records)]
    batches = [records[i : i + args.batch] for i in range(0, len(records), args.batch)]
    bodies = [json.dumps({"submissions": batch}).encode() for batch in batches]
    warmup = [json.dumps({"submissions": [make_record(rng) for _ in range(args.batch)]}).encode()]

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        database = workdir / "server.db"
        token = prepare_database(database)
        # The plain insert before and after the HTTP run: the disk's fsync time drifts with
        # the other work on this machine, and one measurement at one end is biased.
        plain_before, _cpu = plain_insert(workdir / "plain-before.db", batches)
        port = free_port()
        server = start_server(workdir, database, port)
        try:
            post_batches(port, token, warmup * 1, 1)  # load definitions into each worker
            cpu_before = server_cpu(server.pid)
            wall, latencies, busy = post_batches(port, token, bodies, args.clients)
            cpu_sync = server_cpu(server.pid) - cpu_before
            # The background indexer stands back while records arrive, then catches up:
            # its CPU is the server's too, counted once the index has every record.
            indexed_after = wait_indexed(database)
            cpu_used = server_cpu(server.pid) - cpu_before
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        check = connect(str(database))
        on_server = check.execute("SELECT count(*) FROM submissions").fetchone()[0]
        check.close()
        plain_after, plain_cpu = plain_insert(workdir / "plain-after.db", batches)
        plain = (plain_before + plain_after) / 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    assert on_server == args.records + args.batch, on_server
    http_rate = args.records / wall
    plain_rate = args.records / plain
    mean_kb = statistics.mean(len(b) for b in bodies) / 1024
    print(
        f"records: {args.records} in batches of {args.batch} ({mean_kb:.0f} KB per batch), "
        f"{args.clients} client threads, {os.cpu_count()} cores"
    )
    print(
        f"HTTP ingest (survey-app serve): {http_rate:8.0f} records/s   "
        f"batch latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, {busy} busy (503) answers retried"
    )
    print(
        f"plain sqlite-utils insert     : {plain_rate:8.0f} records/s"
        f"   (before {args.records / plain_before:.0f}, after {args.records / plain_after:.0f}; mean time)"
    )
    print(
        f"server CPU per record          : {cpu_sync / args.records * 1e6:8.0f} us during the sync,"
        f" {cpu_used / args.records * 1e6:.0f} us with the indexing"
        f" (index complete {indexed_after:.1f} s after the last batch);"
        f" plain insert: {plain_cpu / args.records * 1e6:.0f} us"
    )
    print(f"load average                  : {load_average()}")
    print(f"ratio HTTP / plain            : {http_rate / plain_rate:8.2f}   (goal: >= 0.5)")
    return http_rate / plain_rate


if __name__ == "__main__":
    main()
