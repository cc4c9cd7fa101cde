"""What the four interface languages cost: compiling the catalogues, and page weight.

    .venv/bin/python bench/bench_languages.py [--runs 5]

* Compiling the three ``.po`` catalogues into ``.mo`` (what the first start after a clone or
  an update does), median of ``--runs`` runs, and the up-to-date check every later start does.
* Page weight: gzip size of the home and form pages in each language, and of the scripts'
  words each carries (``<script id="ui-strings">``), from the app's test client.

Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app import create_app  # noqa: E402
from survey_app.auth.users import create_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.languages.catalogs import TRANSLATIONS_DIR, ensure_compiled  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.surveys.registry import install_builtins  # noqa: E402

PASSWORD = "bench-password-2026"


def compile_times(runs: int, work: Path) -> tuple[float, float]:
    fresh = []
    for run in range(runs):
        folder = work / f"translations-{run}"
        shutil.copytree(TRANSLATIONS_DIR, folder, ignore=shutil.ignore_patterns("*.mo"))
        started = time.perf_counter()
        ensure_compiled(folder)
        fresh.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(1000):
        ensure_compiled(work / "translations-0")
    return statistics.median(fresh), (time.perf_counter() - started) / 1000


def page_weights(work: Path) -> None:
    database = work / "bench.db"
    db = connect(str(database))
    migrate(db)
    install_builtins(db)
    create_user(db, "facilitator", PASSWORD, "facilitator")
    db.close()
    app = create_app({"TESTING": True, "DATABASE": str(database), "SECRET_KEY": "bench"})
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "facilitator", "password": PASSWORD, "csrf_token": token})
    print(f"{'page':28} {'lang':4} {'page gz':>8} {'words gz':>9}")
    for path in ("/", "/forms/listening_session"):
        for lang in ("en", "fr", "ar", "sw"):
            page = client.get(f"{path}?lang={lang}").data
            words = re.search(rb'id="ui-strings">(.*?)</script>', page, re.S).group(1)
            print(f"{path:28} {lang:4} {len(gzip.compress(page)):>8,} {len(gzip.compress(words)):>9,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        fresh, check = compile_times(args.runs, work)
        print(f"compile 3 catalogues: {fresh * 1000:.1f} ms (median of {args.runs})")
        print(f"up-to-date check at start: {check * 1000:.3f} ms")
        page_weights(work)


if __name__ == "__main__":
    main()
