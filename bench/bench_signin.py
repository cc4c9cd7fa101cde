"""Sign-in time for a known name (wrong password) against an unknown name, in one run.

    .venv/bin/python bench/bench_signin.py [--runs 15]

Both go through the real app (Flask test client, real SQLite file, real Argon2id): a
wrong password for an existing account, a name that does not exist, and a disabled
account. Equal time means names cannot be enumerated by timing (issue 9, item 5: before,
20 ms against 784 ms). Throttling is off here so every attempt is checked. Prints medians
and the ratio unknown/known (goal: close to 1). Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app import create_app  # noqa: E402
from survey_app.auth.users import create_user, find_user, set_active  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402


def timed_attempts(client, username: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        page = client.get("/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        started = time.perf_counter()
        response = client.post(
            "/login", data={"username": username, "password": "wrong-guess", "csrf_token": token}
        )
        times.append(time.perf_counter() - started)
        assert response.status_code == 400, response.status_code
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "bench.db")
        db = connect(database)
        migrate(db)
        create_user(db, "amina", "correct-horse-battery", "facilitator")
        create_user(db, "baraka", "correct-horse-battery", "facilitator")
        set_active(db, find_user(db, "baraka")["id"], False)
        db.close()
        app = create_app({"DATABASE": database, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        client = app.test_client()
        timed_attempts(client, "amina", 2)  # warm up
        names = {"amina": [], "nobody-by-this-name": [], "baraka": []}
        for _ in range(args.runs):  # interleaved, so that machine noise falls on all three
            for name, times in names.items():
                times += timed_attempts(client, name, 1)
        known, unknown, disabled = (statistics.median(t) for t in names.values())
    print(f"sign-in, wrong password, known name:   median {known * 1000:7.1f} ms ({args.runs} runs)")
    print(f"sign-in, unknown name:                 median {unknown * 1000:7.1f} ms")
    print(f"sign-in, disabled account:             median {disabled * 1000:7.1f} ms")
    print(f"ratio unknown/known: {unknown / known:.2f}   disabled/known: {disabled / known:.2f}  (goal: ~1)")


if __name__ == "__main__":
    main()
