"""Generate N realistic listening-session records into a SQLite file, through the real ingest.

    .venv/bin/python bench/make_data.py --records 100000 --db bench/out/bench-100000.db

The records go through ``survey_app.sync.ingest.ingest`` in batches of 500, exactly as a
sync batch would (validation, triggers, the derived index and full-text search), from
20 facilitator accounts. They follow the template's logic (consent, skip logic, youth
no more than the people present, the most urgent concern among those raised), so they
are stored valid; about 1 in 100 carries a typo and is quarantined, as in the field.
``records(n, seed)`` is importable: tests and other benchmarks use the same generator.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.auth.users import create_user, find_user  # noqa: E402
from survey_app.db import connect  # noqa: E402
from survey_app.migrate import migrate  # noqa: E402
from survey_app.surveys.registry import get_definition, install_builtins  # noqa: E402
from survey_app.sync.ingest import Origin, ingest  # noqa: E402

FACILITATORS = [f"facilitator{n:02d}" for n in range(1, 21)]
PASSWORD = "bench-password-2026"
WORDS = [
    "youth",
    "jobs",
    "police",
    "trust",
    "water",
    "market",
    "night",
    "safety",
    "women",
    "land",
    "rent",
    "school",
    "fees",
    "clinic",
    "matatu",
    "boda",
    "drugs",
    "gangs",
    "recruitment",
    "online",
    "rumours",
    "elders",
    "mosque",
    "church",
    "chief",
    "ward",
    "office",
    "bribes",
    "curfew",
    "lights",
    "football",
    "training",
    "loans",
    "kazi",
    "usalama",
    "vijana",
    "amani",
    "maji",
    "soko",
    "sécurité",
    "jeunes",
    "emploi",
    "confiance",
    "quartier",
    "أمن",
    "شباب",
    "عمل",
    "ثقة",
]
VENUES = [
    "Community hall",
    "Chief's office",
    "Youth centre",
    "Church hall",
    "Mosque courtyard",
    "Primary school",
    "Market shed",
    "Women's group house",
]
ORGS = [
    "Mama Lishe Group",
    "Vijana Amani",
    "Ward Peace Committee",
    "Bible Study Network",
    "Imam Council",
    "Boda Boda Association",
    "Community Health Volunteers",
    "Red Cross",
    "Chamber of Commerce",
    "Local Police Post",
    "County Youth Office",
    "Women in Business",
]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def listening_session(rng: random.Random, definition: dict, day: date) -> dict:
    """One valid record of the listening-session template."""
    lists = definition["choice_lists"]

    def names(list_name: str) -> list[str]:
        return [c["name"] for c in lists[list_name]]

    district = rng.choice(names("district"))
    wards = [c["name"] for c in lists["ward"] if c.get("district") == district]
    data: dict = {
        "session_date": day.isoformat(),
        "district": district,
        "ward": rng.choice(wards),
        "venue": rng.choice(VENUES),
        "languages_used": rng.sample(names("language"), rng.randint(1, 2)),
        "session_type": rng.choice(names("session_type")),
        "consent": "yes" if rng.random() > 0.02 else "no",
    }
    if rng.random() < 0.3:
        data["co_facilitator"] = rng.choice(["Amina", "Joseph", "Fatuma", "Samir", "Grace"])
    if data["consent"] == "no":
        return data
    women, men, undisclosed = rng.randint(0, 25), rng.randint(0, 25), rng.randint(0, 3)
    total = women + men + undisclosed
    concerns = rng.sample(names("concern"), rng.randint(1, 5))
    data.update(
        women=women,
        men=men,
        undisclosed=undisclosed,
        total_participants=total,
        youth=rng.randint(0, total),
        disabilities=rng.randint(0, min(total, 3)),
        minority_present=rng.choice(names("yes_no_unknown")),
        concerns=concerns,
        most_urgent=rng.choice(concerns),
        concerns_own_words=_text(rng, 10, 40),
        trust_local_gov=rng.randint(1, 5),
        trust_police=rng.randint(1, 5),
        feel_safe=rng.randint(1, 5),
        city_first=_text(rng, 5, 20),
        actions_suggested=_text(rng, 5, 25),
        action_plan_areas=rng.sample(names("action_area"), rng.randint(0, 3)),
        follow_up_needed=rng.choice(["yes", "no"]),
        safeguarding_flag="yes" if rng.random() < 0.02 else "no",
        group_dynamics=_text(rng, 5, 20),
        quotes=_text(rng, 5, 30),
    )
    if not data["action_plan_areas"]:
        del data["action_plan_areas"]
    if data["follow_up_needed"] == "yes":
        data["follow_up_what"] = _text(rng, 3, 12)
    networks = [
        {
            "org_name": rng.choice(ORGS),
            "org_type": rng.choice(names("org_type")),
            "org_does": _text(rng, 3, 10),
            "could_partner": rng.choice(names("yes_no_maybe")),
        }
        for _ in range(rng.randint(0, 3))
    ]
    if networks:
        data["networks"] = networks
    if rng.random() < 0.3:
        data["location"] = {
            "lat": round(-4.05 + rng.uniform(-0.08, 0.08), 6),
            "lon": round(39.66 + rng.uniform(-0.08, 0.08), 6),
            "accuracy": round(rng.uniform(3, 40), 1),
        }
    if rng.random() < 0.01:
        data["women"] = f"{women} women"  # a typo the server quarantines
    return data


def records(n: int, definition: dict, seed: int = 6) -> Iterator[dict]:
    """``n`` sync items over the 18 months up to today, oldest first."""
    rng = random.Random(seed)
    start = date.today() - timedelta(days=540)
    for index in range(n):
        day = start + timedelta(days=index * 540 // max(n, 1))
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "survey": definition["id"],
            "version": definition["version"],
            "data": listening_session(rng, definition, day),
            "meta": {
                "started_at": f"{day}T09:00:00Z",
                "finalized_at": f"{day}T11:00:00Z",
                "device_id": f"bench-{index % 20}",
                "app_version": "bench",
            },
        }


def build(path: Path, n: int, seed: int = 6) -> dict:
    """Create (or extend) the database at ``path`` with ``n`` records; return timings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(str(path))
    migrate(db)
    install_builtins(db)
    user_ids = []
    for name in FACILITATORS:
        user = find_user(db, name) or create_user(db, name, PASSWORD, "facilitator")
        user_ids.append(user["id"] if isinstance(user, dict) else user.id)
    definition = get_definition(db, "listening_session")
    batch: list[dict] = []
    started = time.perf_counter()
    stored = 0
    for item in records(n, definition, seed):
        batch.append(item)
        if len(batch) == 500:
            ingest(db, batch, Origin("api", user_id=user_ids[stored // 500 % len(user_ids)]))
            stored += len(batch)
            batch = []
    if batch:
        ingest(db, batch, Origin("api", user_id=user_ids[0]))
        stored += len(batch)
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    db.close()
    return {"records": stored, "seconds": seconds, "total_in_db": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    path = args.db or ROOT / "bench" / "out" / f"bench-{args.records}.db"
    if path.exists():
        sys.exit(f"{path} exists; remove it first (records are never overwritten).")
    result = build(path, args.records, args.seed)
    rate = result["records"] / result["seconds"]
    print(
        f"{path}: {result['records']} records through ingest in {result['seconds']:.1f} s"
        f" ({rate:.0f} records/s); {result['total_in_db']} in the database"
    )


if __name__ == "__main__":
    main()
