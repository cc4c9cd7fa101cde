"""Which records a public link may bring in, and what of their metadata is kept.

An open link takes any record of its survey; old phones that send no ticket keep working.
A closed link (paused, expired or full) takes a record only if the record carries a ticket
(``meta.link_ticket``, see ``tickets.py``) that this server issued, for this link, before
the moment the link closed, and not more than ``LINK_TICKET_DAYS`` ago: the form page was
opened while the link was open, and a phone may then be offline for days. The phone's own
``started_at`` proves nothing and is not looked at. "Full" closes at the arrival of the last
allowed record, inside a batch too: a record beyond the cap is judged as arriving after
the link filled, so ``max_submissions`` is a soft cap only for pages opened before it filled.

Refusals come in two kinds, by whether they can end:

* one record (item status ``refused``, reason ``link_closed``): a record an expired or full
  link cannot take. Neither ends (a link's expiry is fixed, and a full link stays full),
  so this is the contract's "never": the rest of the batch is stored, the phone keeps the
  refused record, shows why, never sends it again and puts it in its backup file.
* whole batch (403, nothing stored, ``errors.refused`` naming the records): a record for
  another survey; a revoked link (revoking is what a coordinator does when a link leaked:
  the token is no credential any more); and a record a *paused* link cannot take, because
  a pause can end: the phone keeps those records, sends the rest again, and retries them
  (*Send now*) after the link is resumed. Exact replays of records the server already
  holds are still answered ``duplicate`` when a batch holds nothing else, so a phone can
  let go of them.

Anonymous records keep no device identifier: of ``meta`` only the keys below survive, and
the ticket is checked, then dropped with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlite_utils import Database

from ..sync.ingest import content_hash
from . import tickets
from .model import Link, LinkStatus, status
from .texts import text

# Timestamps, the app's version and the form language: nothing that tells phones apart.
KEPT_META = ("started_at", "finalized_at", "app_version", "lang")
TICKET_KEY = "link_ticket"


@dataclass(frozen=True)
class Refusal:
    index: int
    id: str
    reason: str  # batch: "wrong_survey", "revoked", "paused"; one record: "link_closed"
    message: str


@dataclass
class Admission:
    """What a link does with a batch: refuse it whole, or take some items and refuse others."""

    batch_refused: list[Refusal] = field(default_factory=list)
    item_refused: list[Refusal] = field(default_factory=list)

    @property
    def refused_indexes(self) -> set[int]:
        return {r.index for r in self.item_refused}


def ticket_of(item: dict) -> object:
    """The ticket a record carries (before ``scrub`` drops it), or None."""
    meta = item.get("meta")
    return meta.get(TICKET_KEY) if isinstance(meta, dict) else None


def scrub(item: dict) -> dict:
    """The record as stored for a public link: answers untouched, identifying meta dropped.

    Extra top-level keys and meta keys such as ``device_id``, a user agent or the link
    ticket are not kept: they could tell one respondent's phone from another's.
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


def admit(
    db: Database,
    link: Link,
    items: list[dict],
    language: str,
    secret: str,
    ticket_days: int,
    now: datetime | None = None,
) -> Admission:
    """Decide, for a batch of (raw, unscrubbed) items, what this link may bring in."""
    now = now or datetime.now(UTC)
    current = status(link, now)
    stored = _known_hashes(db, [item["id"] for item in items])
    wrong = [
        Refusal(i, item["id"], "wrong_survey", text("wrong_survey", language))
        for i, item in enumerate(items)
        if item["survey"] != link.survey_id
    ]
    if wrong:
        return Admission(batch_refused=wrong)
    replay = [stored.get(item["id"]) == content_hash(item) for item in items]
    if current.reason == "revoked":
        message = text("revoked_refused", language)
        fresh = [(i, item) for i, item in enumerate(items) if not replay[i]]
        return Admission(batch_refused=[Refusal(i, item["id"], "revoked", message) for i, item in fresh])
    admission = Admission()
    taken = link.submissions  # counts toward "full" as the batch is read, in order
    for index, item in enumerate(items):
        if replay[index]:
            continue  # answered "duplicate": the phone lets go
        closing = current
        if closing.open and link.max_submissions is not None and taken >= link.max_submissions:
            closing = LinkStatus(False, "full", now)  # filled by an earlier item of this batch
        if not closing.open and not tickets.vouches(
            secret, ticket_of(item), link.id, closing.closed_at, ticket_days, now
        ):
            message = text(f"closed_{closing.reason}", language) + " " + text("late_refused", language)
            if closing.reason == "paused":
                admission.batch_refused.append(Refusal(index, item["id"], "paused", message))
            else:
                admission.item_refused.append(Refusal(index, item["id"], "link_closed", message))
            continue
        if item["id"] not in stored:
            taken += 1
    if admission.batch_refused:  # a pause may end: those records are to be sent again
        return Admission(batch_refused=admission.batch_refused)
    return admission


def admit_here(db: Database, link: Link, items: list[dict], language: str) -> Admission:
    """``admit`` with this app's secret and ``LINK_TICKET_DAYS``."""
    config = current_app.config
    return admit(db, link, items, language, config["SECRET_KEY"], config["LINK_TICKET_DAYS"])


def page_ticket(link: Link) -> str:
    """The ticket a form page of this link carries now (see ``tickets.py``)."""
    return tickets.issue(current_app.config["SECRET_KEY"], link.id)


def _known_hashes(db: Database, ids: list[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, content_hash FROM submissions WHERE id IN ({marks})", chunk):
            known[row["id"]] = row["content_hash"]
    return known
