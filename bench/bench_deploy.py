"""The deployment under load: figures for issue 10, each against a baseline of the same run.

    .venv/bin/python bench/bench_deploy.py [--only ingest,slow,backup,drill] [--records 5000]

* **ingest**: sync batches of 50 records from 4 keep-alive clients, through deploy/
  (``deploy/local-https.sh``: nginx, TLS) and straight to ``survey-app serve``: records/s,
  p50/p95 per batch, and the ratio proxy / direct.
* **slow**: 200 stalled uploads (headers and part of a body, then nothing) held open
  against the proxy while 50 valid sync batches are sent: how many answer, and their p95;
  then the same against ``survey-app serve`` with no proxy (its body timeout cuts stalls
  off after ``BODY_TIMEOUT_SECONDS``; the valid batches wait behind them).
* **backup**: ``survey-app backup`` of a 100,000-record database (bench/out/, built once by
  bench/make_data.py) while two phones sync: time, and sync p95 before and during it.
* **drill**: Litestream (deploy/litestream.yml, file:// replica) while four phones sync for
  10 s, SIGKILL of the app and Litestream, ``litestream restore``: records acknowledged
  against records restored, and the replication lag seen at the kill.

Everything talks to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import random  # noqa: E402

from bench_ingest import make_record, prepare_database  # noqa: E402
from deployproc import UNVERIFIED, LocalHttps  # noqa: E402
from serverproc import Server, children  # noqa: E402

from survey_app.auth.tokens import create_token  # noqa: E402
from survey_app.auth.users import create_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402

RNG = random.Random(10)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


def connection(url: str, timeout: float = 60):
    scheme, rest = url.split("://")
    host, port = rest.split(":")
    if scheme == "https":
        return http.client.HTTPSConnection(host, int(port), timeout=timeout, context=UNVERIFIED)
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def body(n: int = 50) -> bytes:
    return json.dumps({"submissions": [make_record(RNG) for _ in range(n)]}).encode()


def send(
    url: str, token: str, bodies: list[bytes], clients: int, timeout: float = 60
) -> tuple[float, list, int]:
    """Send every body from ``clients`` keep-alive connections; (wall, latencies, failures)."""
    latencies: list[float] = []
    failures = []
    queue = list(bodies)
    lock = threading.Lock()

    def worker():
        conn = connection(url, timeout)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    break
                payload = queue.pop()
            started = time.perf_counter()
            try:
                while True:
                    conn.request("POST", "/api/v1/submissions", body=payload, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status != 503:
                        break
                    time.sleep(0.2)
                ok = response.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = connection(url, timeout)
            with lock:
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    failures.append(1)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, len(failures)


def fresh(work: Path, name: str) -> tuple[Path, str]:
    database = work / f"{name}.db"
    return database, prepare_database(database)


def bench_ingest(work: Path, records: int, rounds: int) -> None:
    batches = records // 50
    bodies = [body() for _ in range(batches)]
    print(f"ingest: {batches} batches of 50 records, 4 clients, {rounds} alternating rounds (medians)")
    runs: dict[str, list[tuple[float, list, int]]] = {
        "survey-app serve": [],
        "through deploy/ (nginx, TLS)": [],
    }
    for n in range(rounds):
        database, token = fresh(work, f"direct-{n}")
        server = Server(database, workers=1)
        try:
            runs["survey-app serve"].append(send(server.url, token, bodies, 4))
        finally:
            server.stop()
        database, token = fresh(work, f"proxied-{n}")
        proxy = LocalHttps(database, work, SURVEY_APP_WORKERS="1")
        try:
            runs["through deploy/ (nginx, TLS)"].append(send(proxy.url, token, bodies, 4))
        finally:
            proxy.stop()
    rates = {}
    for name, results in runs.items():
        per_run = [len(latencies) * 50 / wall for wall, latencies, _ in results]
        latencies = [x for _, run, _ in results for x in run]
        rates[name] = statistics.median(per_run)
        print(
            f"  {name:30s} {rates[name]:7.0f} records/s (runs: {', '.join(f'{r:.0f}' for r in per_run)})"
            f"  p50 {percentile(latencies, 0.5) * 1000:5.0f} ms"
            f"  p95 {percentile(latencies, 0.95) * 1000:5.0f} ms  failed {sum(f for _, _, f in results)}"
        )
    print(f"  ratio proxy / direct: {rates['through deploy/ (nginx, TLS)'] / rates['survey-app serve']:.2f}")


def stalled(url: str, token: str, count: int) -> list[socket.socket]:
    scheme, rest = url.split("://")
    host, port = rest.split(":")
    socks = []
    for _ in range(count):
        raw = socket.create_connection((host, int(port)), timeout=30)
        sock = UNVERIFIED.wrap_socket(raw, server_hostname=host) if scheme == "https" else raw
        head = (
            f"POST /api/v1/submissions HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: 40000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"submissions": [')
        socks.append(sock)
    return socks


def bench_slow(work: Path) -> None:
    print("slow clients: 200 stalled uploads held open, then 50 valid sync batches (10 records), 5 clients")
    bodies = [body(10) for _ in range(50)]
    for name in ("through deploy/ (nginx, TLS)", "survey-app serve, no proxy"):
        database, token = fresh(work, "slow-" + name[:7].strip())
        if name.startswith("through"):
            target = LocalHttps(database, work, SURVEY_APP_WORKERS="1")
        else:
            target = Server(database, workers=1)
        try:
            held = stalled(target.url, token, 200)
            wall, latencies, failed = send(target.url, token, bodies, 5, timeout=10)
            print(
                f"  {name:30s} answered {len(latencies)}/50 (client timeout 10 s, {failed} failed)"
                f"  p50 {percentile(latencies, 0.5) * 1000:6.0f} ms"
                f"  p95 {percentile(latencies, 0.95) * 1000:6.0f} ms"
                f"  wall {wall:.1f} s"
            )
            for sock in held:
                sock.close()
        finally:
            target.stop()


def big_database(records: int = 100_000) -> Path:
    path = ROOT / "bench" / "out" / f"bench-{records}.db"
    if not path.exists():
        from make_data import build

        print(f"  building {path} ({records} records, once) ...", flush=True)
        build(path, records)
    return path


def bench_backup(work: Path) -> None:
    print("backup of a 100,000-record database while two phones sync")
    source = big_database()
    database = work / "big.db"
    shutil.copyfile(source, database)
    db = connect(str(database))
    migrate(db)  # the cached database may predate the newest migrations
    user = create_user(db, "bench-phone", "bench-password-2026", "facilitator")
    token = create_token(db, user.id, "bench")
    db.close()
    server = Server(database, workers=1)
    try:
        _, before, _ = send(server.url, token, [body(10) for _ in range(60)], 2)
        stop = threading.Event()
        during: list[float] = []

        def phones():
            while not stop.is_set():
                _, latencies, _ = send(server.url, token, [body(10) for _ in range(4)], 2)
                during.extend(latencies)

        loader = threading.Thread(target=phones)
        loader.start()
        env = {**os.environ, "SURVEY_APP_DATABASE": str(database), "SURVEY_APP_SECRET_KEY": "bench-secret"}
        started = time.perf_counter()
        result = subprocess.run(
            [str(Path(sys.executable).parent / "survey-app"), "backup", str(work / "big-backup.db")],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        stop.set()
        loader.join()
    finally:
        server.stop()
    print(f"  {result.stdout.strip() or result.stderr.strip()}")
    print(f"  backup command: {seconds:.1f} s wall ({(database.stat().st_size) / 1e6:.0f} MB database)")
    print(
        f"  sync p95 before {percentile(before, 0.95) * 1000:.0f} ms, during the backup"
        f" {percentile(during, 0.95) * 1000:.0f} ms ({len(during)} batches); ratio"
        f" {percentile(during, 0.95) / percentile(before, 0.95):.2f}"
    )


def bench_drill(work: Path) -> None:
    print("restore drill: Litestream, 4 phones for 10 s, SIGKILL, litestream restore")
    database, token = fresh(work, "drill")
    replica = work / "replica"
    litestream = Path(sys.executable).parent / "litestream"
    server = Server(database, workers=1)
    env = {
        "PATH": "/usr/bin:/bin",
        "SURVEY_APP_DATABASE": str(database),
        "LITESTREAM_REPLICA_URL": f"file://{replica}",
    }
    replicator = subprocess.Popen(
        [str(litestream), "replicate", "-config", str(ROOT / "deploy" / "litestream.yml")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(2)
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def phone():
        conn = connection(server.url, 10)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while not stop.is_set():
            items = [make_record(RNG) for _ in range(10)]
            try:
                conn.request(
                    "POST", "/api/v1/submissions", body=json.dumps({"submissions": items}), headers=headers
                )
                response = conn.getresponse()
                answer = json.loads(response.read() or b"{}")
            except (OSError, ValueError):
                return
            if response.status == 200:
                now = time.monotonic()
                with lock:
                    acknowledged.extend((now, r["id"]) for r in answer["results"])

    phones = [threading.Thread(target=phone) for _ in range(4)]
    for thread in phones:
        thread.start()
    time.sleep(10)
    killed_at = time.monotonic()
    workers = children(server.process.pid)
    os.kill(server.process.pid, signal.SIGKILL)  # the machine dies: gunicorn, its workers, Litestream
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    os.killpg(replicator.pid, signal.SIGKILL)
    stop.set()
    for thread in phones:
        thread.join(30)
    server.process.wait()
    replicator.wait()
    restored_path = work / "drill-restored.db"
    started = time.perf_counter()
    subprocess.run(
        [str(litestream), "restore", "-o", str(restored_path), f"file://{replica}"],
        check=True,
        capture_output=True,
    )
    restore_seconds = time.perf_counter() - started
    db = connect(str(restored_path))
    restored = {row[0] for row in db.execute("SELECT id FROM submissions")}
    db.close()
    settled = [rid for at, rid in acknowledged if at < killed_at - 2]
    newest = max((at for at, rid in acknowledged if rid in restored), default=killed_at)
    print(
        f"  acknowledged {len(acknowledged)}, restored {len(restored)}; acknowledged more than 2 s before"
        f" the kill: {len(settled)}, of which missing {len([r for r in settled if r not in restored])}"
    )
    print(f"  replication lag at the kill: {killed_at - newest:.2f} s; restore took {restore_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="ingest,slow,backup,drill")
    parser.add_argument("--records", type=int, default=5000, help="records for the ingest comparison")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the ingest comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as folder:
        work = Path(folder)
        for name in args.only.split(","):
            if name == "ingest":
                bench_ingest(work, args.records, args.rounds)
            elif name == "slow":
                bench_slow(work)
            elif name == "backup":
                bench_backup(work)
            elif name == "drill":
                bench_drill(work)
            print(flush=True)


if __name__ == "__main__":
    main()
