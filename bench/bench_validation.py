"""What the form's logic costs on the server, and what it adds to the form page.

    .venv/bin/python bench/bench_validation.py [--records 5000] [--runs 5]

* Server-side validation of complete listening-session records (with a networks repeat):
  ``validate_submission`` with the full logic (relevance, constraints, choice filters,
  calculations, repeat counts) against the same records checked with types, choices and
  ranges only (the definition with its expressions removed), in the same run. Medians of
  ``--runs`` runs; records per second and the ratio.
* XLSForm import: reading with pyxform (which also converts the form to an XForm) plus our
  conversion, for the largest public test form and a 300-question generated form.
* Page weight: gzip size of the inline definition on the listening-session form page and
  of static/js/formlogic.js.

Benchmarks print figures; they are not tests.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from support_xlsform import FULL_CHOICES, FULL_SETTINGS, FULL_SURVEY, build_xlsform  # noqa: E402

from survey_app.engine.logic import Clock  # noqa: E402
from survey_app.surveys.registry import BUILTIN_DIR, compile_expressions  # noqa: E402
from survey_app.surveys.schema import EXPRESSION_KEYS, load_definition, walk  # noqa: E402
from survey_app.surveys.validation import validate_submission  # noqa: E402
from survey_app.xlsform import check_xlsform  # noqa: E402

DISTRICTS = {"likoni": ["mtongwe", "timbwani"], "kisauni": ["bamburi", "shanzu"], "nyali": ["kongowea"]}


def record(n: int) -> dict:
    district = list(DISTRICTS)[n % 3]
    women, men, undisclosed = 5 + n % 20, 3 + n % 7, n % 2
    return {
        "session_date": "2026-11-20",
        "district": district,
        "ward": DISTRICTS[district][n % len(DISTRICTS[district])],
        "venue": f"Hall {n}",
        "languages_used": ["swahili", "english"],
        "session_type": "womens_group",
        "consent": "yes",
        "women": women,
        "men": men,
        "undisclosed": undisclosed,
        "total_participants": women + men + undisclosed,
        "youth": women // 2,
        "minority_present": "no",
        "concerns": ["jobs", "drugs", "other"],
        "concerns_other": "Lighting",
        "most_urgent": "drugs",
        "trust_local_gov": 1 + n % 5,
        "trust_police": 1 + n % 4,
        "feel_safe": 1 + n % 3,
        "networks": [
            {"org_name": "Youth network", "org_type": "youth_group", "could_partner": "yes"},
            {"org_name": "Market traders", "org_type": "business_association"},
        ],
        "follow_up_needed": "no",
        "safeguarding_flag": "no",
    }


def definitions() -> tuple[dict, dict]:
    raw = json.loads((BUILTIN_DIR / "listening_session.json").read_text("utf-8"))
    full = compile_expressions(load_definition(copy.deepcopy(raw)))
    plain = copy.deepcopy(full)
    for question in walk(plain["questions"]):
        for key in (*EXPRESSION_KEYS, "compiled"):
            question.pop(key, None)
    return full, plain


def rate(definition: dict, records: list[dict], runs: int) -> float:
    meta = {"finalized_at": Clock.current().now}
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for data in records:
            errors = validate_submission(definition, data, meta)
            assert not errors, errors
        rates.append(len(records) / (time.perf_counter() - start))
    return statistics.median(rates)


def import_time(data: bytes, name: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = check_xlsform(data, name)
        times.append(time.perf_counter() - start)
        assert result.ok, result.errors
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    full, plain = definitions()
    records = [record(n) for n in range(args.records)]
    with_logic = rate(full, records, args.runs)
    types_only = rate(plain, records, args.runs)
    print(f"validation, {args.records} listening sessions, median of {args.runs} runs:")
    print(f"  full logic:            {with_logic:9,.0f} records/s")
    print(f"  types and ranges only: {types_only:9,.0f} records/s")
    print(f"  ratio (logic / types): {with_logic / types_only:.2f}")

    with tempfile.TemporaryDirectory() as folder:
        full_form = build_xlsform(Path(folder) / "visit.xlsx", FULL_SURVEY, FULL_CHOICES, FULL_SETTINGS)
        rows = [FULL_SURVEY[0]] + [
            ["integer", f"q{i}", f"Question {i}", "", "", "", "", "", f"${{q{i - 1}}} > 0" if i else ""]
            for i in range(300)
        ]
        big = build_xlsform(Path(folder) / "big.xlsx", rows, settings={"form_id": "big", "version": "1"})
        small_s = import_time(full_form.read_bytes(), full_form.name, args.runs)
        big_s = import_time(big.read_bytes(), big.name, args.runs)
    print(f"XLSForm check (pyxform read + XForm conversion + ours), median of {args.runs}:")
    print(f"  {len(FULL_SURVEY) - 1}-row form with every feature: {small_s * 1000:.0f} ms")
    print(f"  300-question form with skip logic:  {big_s * 1000:.0f} ms")

    inline = json.dumps(full, ensure_ascii=False, sort_keys=True).encode("utf-8")
    script = (ROOT / "static" / "js" / "formlogic.js").read_bytes()
    print("page weight (gzip -9):")
    print(f"  inline listening-session definition: {len(gzip.compress(inline, 9)) / 1024:.1f} KB")
    print(f"  static/js/formlogic.js:              {len(gzip.compress(script, 9)) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
