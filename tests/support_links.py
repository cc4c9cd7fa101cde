"""Helpers for the public-link tests: make links, valid answers and sync batches."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from survey_app.db import connect, write_transaction
from survey_app.links import tickets
from survey_app.links.model import create_link

SURVEY = "community_feedback"

ANSWERS = {
    "age_band": "age_18_24",
    "gender": "woman",
    "member_group": "womens_group",
    "biggest_concerns": ["jobs", "water_sanitation"],
    "feel_safe": 2,
    "trust_city_act": 3,
    "biggest_difference": "Street lights near the market",
}


def form_fields(**extra) -> dict:
    """The answers as a posted HTML form (select-multiple as a list)."""
    fields = {key: (str(value) if not isinstance(value, list) else value) for key, value in ANSWERS.items()}
    fields.update({"_id": str(uuid.uuid4()), "_version": "1"})
    fields.update(extra)
    return fields


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def ago(**delta) -> str:
    return iso(datetime.now(UTC) - timedelta(**delta))


def record(started_at: str | None = None, survey: str = SURVEY, **meta) -> dict:
    """One sync record as a phone sends it."""
    started_at = started_at or ago(minutes=5)
    return {
        "id": str(uuid.uuid4()),
        "survey": survey,
        "version": "1",
        "data": dict(ANSWERS),
        "meta": {"started_at": started_at, "finalized_at": started_at, "app_version": "test", **meta},
    }


def make_link(app, survey: str = SURVEY, label: str = "Likoni women's group", **options):
    db = connect(app.config["DATABASE"])
    try:
        return create_link(db, survey, label, None, **options)
    finally:
        db.close()


def set_link(app, link_id: int, **columns) -> None:
    """Change a link's row directly (e.g. move its pause into the past)."""
    db = connect(app.config["DATABASE"])
    try:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with write_transaction(db):
            db.execute(f"UPDATE public_links SET {assignments} WHERE id = ?", [*columns.values(), link_id])
    finally:
        db.close()


def sync(client, token: str, items: list[dict], **kwargs):
    return client.post(f"/api/v1/links/{token}/submissions", json={"submissions": items}, **kwargs)


def ticket(app, link_id: int, **before) -> str:
    """A genuine ticket of a link, issued ``before`` (e.g. hours=3) ago."""
    return tickets.issue(app.config["SECRET_KEY"], link_id, datetime.now(UTC) - timedelta(**before))


def page_ticket(client, token: str) -> str:
    """The ticket the public form page carries, as a phone reads it."""
    html = client.get(f"/p/{token}").text
    return re.search(r'data-link-ticket="([^"]+)"', html).group(1)
