"""Sample records for ``survey-app init --demo``, made from each definition alone.

A first look at the dashboard should not be an empty page. For every published
survey this makes a few dozen plausible records: each question gets an answer of its
type (a choice from its list, a number within its range or bounds, a date in the last
months, a few words of text), the form's own logic settles them as a phone would
(hidden questions left out, calculations filled in), and an answer the definition's
validation refuses is drawn again. They go in through the sync path's ``ingest``, as
facilitator records, so they are stored, checked and indexed like real ones.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlite_utils import Database

from .engine.logic import settle
from .surveys.registry import get_definition, list_surveys
from .surveys.validation import choice_names, validate_submission
from .sync.ingest import Origin, ingest

WORDS = (
    "market",
    "water",
    "youth",
    "jobs",
    "police",
    "night",
    "buses",
    "school",
    "fees",
    "clinic",
    "rent",
    "land",
    "safety",
    "chief",
    "elders",
    "football",
    "drugs",
    "rumours",
    "online",
    "training",
    "loans",
    "drainage",
    "lights",
    "road",
)
SKIP = {"image", "audio", "note", "acknowledge", "calculate", "start", "end", "deviceid", "username"}


def _value(definition: dict, question: dict, rng: random.Random, day: date) -> Any:
    kind = question["type"]
    if kind in ("select_one", "select_multiple"):
        names = sorted(choice_names(definition, question) - {"other"})
        if not names:
            return None
        if kind == "select_one":
            return rng.choice(names)
        return rng.sample(names, k=min(len(names), rng.randint(1, 3)))
    if kind == "range":
        spec = question.get("range") or {}
        start, end, step = spec.get("start", 1), spec.get("end", 5), spec.get("step", 1) or 1
        steps = int((end - start) / step)
        value = start + step * rng.randint(0, max(steps, 0))
        return int(value) if float(value).is_integer() else value
    if kind in ("integer", "decimal"):
        low = question.get("min") if isinstance(question.get("min"), int | float) else 0
        high = question.get("max") if isinstance(question.get("max"), int | float) else low + 12
        value = rng.randint(int(low), int(max(low, min(high, low + 12))))
        return value if kind == "integer" else float(value)
    if kind in ("date", "today"):
        return day.isoformat()
    if kind == "datetime":
        return f"{day.isoformat()}T10:00:00Z"
    if kind == "time":
        return "10:00"
    if kind == "text":
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    if kind == "geopoint":
        return {"lat": round(-4.05 + rng.random() / 20, 5), "lon": round(39.66 + rng.random() / 20, 5)}
    return None


def _answers(definition: dict, questions: list[dict], rng: random.Random, day: date) -> dict:
    data: dict[str, Any] = {}
    for question in questions:
        kind = question["type"]
        if kind == "group":
            data.update(_answers(definition, question.get("questions") or [], rng, day))
        elif kind == "repeat":
            entries = [
                _answers(definition, question.get("questions") or [], rng, day)
                for _ in range(rng.randint(0, 2))
            ]
            if entries:
                data[question["name"]] = entries
        elif kind not in SKIP:
            value = _value(definition, question, rng, day)
            if value is not None:
                data[question["name"]] = value
    return data


def sample_record(definition: dict, rng: random.Random, day: date, attempts: int = 40) -> dict:
    """One record's answers that the definition accepts (or the last try, quarantined)."""
    data = settle(definition, _answers(definition, definition["questions"], rng, day))
    for _ in range(attempts):
        if not validate_submission(definition, data):
            break
        data = settle(definition, _answers(definition, definition["questions"], rng, day))
    return data


def load_demo_records(db: Database, user_id: int | None, per_survey: int = 36, seed: int = 2026) -> int:
    """Add ``per_survey`` sample records to every survey that has none yet; return how many."""
    rng = random.Random(seed)
    added = 0
    for survey in list_surveys(db):
        if db.execute("SELECT 1 FROM submissions WHERE survey_id = ? LIMIT 1", [survey["id"]]).fetchone():
            continue
        definition = get_definition(db, survey["id"])
        items = []
        for n in range(per_survey):
            day = date.today() - timedelta(days=(per_survey - n) * 5)
            stamp = f"{day.isoformat()}T10:00:00Z"
            items.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "survey": survey["id"],
                    "version": definition["version"],
                    "data": sample_record(definition, rng, day),
                    "meta": {
                        "started_at": stamp,
                        "finalized_at": stamp,
                        "device_id": "demo",
                        "app_version": "demo",
                    },
                }
            )
        ingest(db, items, Origin("api", user_id=user_id))
        added += len(items)
    return added
