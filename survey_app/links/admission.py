"""Which records a public link may bring in, and what of their metadata is kept.

The rule for records that reach the server after their link closed (paused, expired or
full): a record is accepted if it was started (``meta.started_at``, else
``meta.finalized_at``) before the moment the link closed, because the respondent filled
it in while the link was open and a phone may be offline for days. "Full" closes at the
arrival of the last allowed submission, so ``max_submissions`` is a soft cap: stragglers
started before it filled still count. A revoked link takes nothing more (revoking is what
a coordinator does when a link leaked), except replays of records the server already has.

Refusals are for the whole batch (403, nothing stored), never per item: every item
status of the sync contract means "the server has it, drop your copy", so a refused
record must stay on the phone, where it can go into a backup file for a coordinator.

Anonymous records keep no device identifier: of ``meta`` only the keys below survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from .model import Link, parse_time, status
from .texts import text

# Timestamps, the app's version and the form language: nothing that tells phones apart.
KEPT_META = ("started_at", "finalized_at", "app_version", "lang")


@dataclass(frozen=True)
class Refusal:
    index: int
    id: str
    reason: str  # "wrong_survey", "revoked", "no_time", or the closing reason
    message: str


def scrub(item: dict) -> dict:
    """The record as stored for a public link: answers untouched, identifying meta dropped.

    Extra top-level keys and meta keys such as ``device_id`` or a user agent are not kept:
    they could tell one respondent's phone from another's.
    """
    meta = item.get("meta")
    kept = {key: meta[key] for key in KEPT_META if isinstance(meta, dict) and key in meta}
    return {
        "id": item["id"],
        "survey": item["survey"],
        "version": item["version"],
        "data": item["data"],
        "meta": kept,
    }


def started(item: dict) -> datetime | None:
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    return parse_time(meta.get("started_at")) or parse_time(meta.get("finalized_at"))


def refusals(
    db: Database, link: Link, items: list[dict], language: str, now: datetime | None = None
) -> list[Refusal]:
    """The items this link may not bring in (empty: the whole batch may be stored)."""
    current = status(link, now)
    known = _known_ids(db, [item["id"] for item in items])
    refused = []
    for index, item in enumerate(items):
        reason = None
        if item["survey"] != link.survey_id:
            reason = "wrong_survey"
        elif item["id"] in known or current.open:
            continue  # a replay is always answered (duplicate/conflict), so the phone can let go
        elif current.reason == "revoked":
            reason = "revoked"
        else:
            began = started(item)
            if began is None:
                reason = "no_time"
            elif began >= current.closed_at:
                reason = current.reason
        if reason:
            refused.append(Refusal(index, item["id"], reason, refusal_message(reason, language)))
    return refused


def refusal_message(reason: str, language: str) -> str:
    key = {"wrong_survey": "wrong_survey", "revoked": "revoked_refused", "no_time": "no_time_refused"}
    return text(key.get(reason, "late_refused"), language)


def _known_ids(db: Database, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        known.update(
            row["id"] for row in db.query(f"SELECT id FROM submissions WHERE id IN ({marks})", chunk)
        )
    return known
