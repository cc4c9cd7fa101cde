"""Helpers for the coordinators' tests: valid listening sessions, sync batches, a second version.

Records go through the real sync API (or the real ingest for public-link records), so the
triggers that keep the derived index and the full-text search in step run as in production.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date, timedelta

from survey_app.db import connect
from survey_app.surveys.registry import BUILTIN_DIR, publish
from survey_app.sync.ingest import Origin, ingest

SURVEY = "listening_session"
WARDS = {"likoni": ["likoni_ward", "mtongwe"], "nyali": ["kongowea", "kadzandani"], "kisauni": ["bamburi"]}


def session(n: int = 0, **overrides) -> dict:
    """A valid listening-session answer set; ``n`` varies it deterministically."""
    district = list(WARDS)[n % len(WARDS)]
    women, men, undisclosed = 5 + n % 7, 3 + n % 5, n % 2
    data = {
        "session_date": (date(2026, 1, 10) + timedelta(days=17 * n)).isoformat(),
        "district": district,
        "ward": WARDS[district][n % len(WARDS[district])],
        "venue": f"Hall {n}",
        "languages_used": ["swahili", "english"] if n % 2 else ["english"],
        "session_type": ["youth_group", "womens_group", "community_forum"][n % 3],
        "consent": "yes",
        "women": women,
        "men": men,
        "undisclosed": undisclosed,
        "total_participants": women + men + undisclosed,
        "youth": (women + men) // 2,
        "minority_present": "no",
        "concerns": [["jobs", "crime"], ["jobs"], ["water_sanitation", "drugs", "jobs"], ["housing"]][n % 4],
        "concerns_own_words": f"Record {n}: people spoke about the market and the night buses.",
        "trust_local_gov": 1 + n % 5,
        "trust_police": 1 + (n * 2) % 5,
        "feel_safe": 1 + (n * 3) % 5,
        "follow_up_needed": "no",
        "safeguarding_flag": "yes" if n % 10 == 3 else "no",
    }
    if n % 3 == 0:
        data["networks"] = [
            {"org_name": "Vijana Amani", "org_type": "youth_group", "could_partner": "yes"},
            {"org_name": "Mama Lishe Group", "org_type": "womens_group", "could_partner": "maybe"},
        ]
    if n % 4 == 1:
        data["location"] = {"lat": -4.05 - n / 1000, "lon": 39.66 + n / 1000, "accuracy": 12.5}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def item(data: dict, version: str = "1", survey: str = SURVEY, record_id: str | None = None) -> dict:
    return {
        "id": record_id or str(uuid.uuid4()),
        "survey": survey,
        "version": version,
        "data": data,
        "meta": {"started_at": "2026-01-10T09:00:00Z", "finalized_at": "2026-01-10T11:00:00Z"},
    }


def send(client, token: str, items: list[dict]) -> list[dict]:
    """POST a sync batch with a bearer token; return the per-item results."""
    response = client.post(
        "/api/v1/submissions", json={"submissions": items}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json["results"]


def send_from_link(app, items: list[dict], link_id: int = 7) -> list[dict]:
    """Store records as a public link does (anonymous: no account)."""
    db = connect(app.config["DATABASE"])
    try:
        return ingest(db, items, Origin("link", link_id=link_id))
    finally:
        db.close()


def publish_version_2(app) -> dict:
    """Publish listening_session v2: ``co_facilitator`` dropped, ``noise_level`` added."""
    raw = json.loads((BUILTIN_DIR / "listening_session.json").read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    raw["version"] = "2"
    details = next(q for q in raw["questions"] if q["name"] == "session_details")
    details["questions"] = [q for q in details["questions"] if q["name"] != "co_facilitator"]
    details["questions"].append({"name": "noise_level", "type": "integer", "label": {"en": "Noise level"}})
    db = connect(app.config["DATABASE"])
    try:
        definition, _ = publish(db, raw, source="test")
    finally:
        db.close()
    return definition


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
