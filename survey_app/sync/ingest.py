"""Store a batch of submissions idempotently, in one durable transaction.

Each item comes back ``stored``, ``duplicate`` (same id, same content), ``conflict``
(same id, different content: both kept, flagged) or ``quarantined`` (kept as sent with
the reasons it fails its definition). All four mean the server has it durably; the
phone drops its copy only after this function's transaction has committed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from ..db import write_transaction
from ..surveys.registry import get_definition
from ..surveys.validation import validate_submission
from ..timeutil import now_iso


@dataclass(frozen=True)
class Origin:
    """Where a batch came from: a signed-in account, an import, or a public link."""

    source: str  # "web", "api", "form", "import", "link"
    user_id: int | None = None
    link_id: int | None = None


def canonical(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, readable UTF-8.

    A lone surrogate (a phone's string cut in the middle of an emoji, sent as
    ``"\\ud800"``) cannot be stored as UTF-8; such a value keeps its JSON escapes, so it
    is still stored exactly and reads back as what was sent.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text


def content_hash(item: dict) -> str:
    """Identity of a record's content: its survey, version and answers (not its meta)."""
    payload = canonical({"survey": item["survey"], "version": item["version"], "data": item["data"]})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def check_item(db: Database, item: dict) -> dict[str, list[str]]:
    """Validate one record against its own definition version."""
    definition = get_definition(db, item["survey"], item["version"])
    if definition is None:
        return {"survey": [f"Unknown survey or version: {item['survey']} v{item['version']}."]}
    # meta carries finalized_at: today() is the day the record was made, not synced.
    return validate_submission(definition, item["data"], item.get("meta"))


def _meta(item: dict) -> str:
    """The client's meta plus any extra keys it sent, so nothing it sent is lost."""
    extra = {k: v for k, v in item.items() if k not in ("id", "survey", "version", "data", "meta")}
    meta = item.get("meta")
    if extra:
        meta = {"client_meta": meta, "extra": extra}
    return canonical(meta if meta is not None else {})


def _known_hashes(db: Database, ids: list[str]) -> dict[str, str]:
    known = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT id, content_hash FROM submissions WHERE id IN ({marks})", chunk):
            known[row["id"]] = row["content_hash"]
    return known


def ingest(db: Database, items: list[dict], origin: Origin) -> list[dict]:
    """Store a batch and return one result per item, in order.

    Validation (the costly part) runs before the write lock is taken, so several workers
    validate at once and the lock is held only for the inserts. It depends on nothing but
    the immutable definition, so doing it early cannot go stale; whether a record is new,
    a duplicate or a conflict is decided again under the lock.
    """
    received_at = now_iso()
    ids = list({item["id"] for item in items})
    digests = [content_hash(item) for item in items]
    seen_before = _known_hashes(db, ids)
    checked = {
        index: check_item(db, item)
        for index, item in enumerate(items)
        if seen_before.get(item["id"]) != digests[index]
    }
    results = []
    with write_transaction(db):
        known = _known_hashes(db, ids)
        for index, item in enumerate(items):
            digest = digests[index]
            if known.get(item["id"]) == digest:
                results.append({"id": item["id"], "status": "duplicate"})
                continue
            errors = checked[index] if index in checked else check_item(db, item)
            if item["id"] in known:
                _store_conflict(db, item, digest, errors, origin, received_at)
                results.append({"id": item["id"], "status": "conflict"})
                continue
            _store(db, item, digest, errors, origin, received_at)
            known[item["id"]] = digest
            result = {"id": item["id"], "status": "quarantined" if errors else "stored"}
            if errors:
                result["errors"] = errors
            results.append(result)
    return results


def _store(db, item, digest, errors, origin: Origin, received_at: str) -> None:
    db.execute(
        "INSERT INTO submissions (id, survey_id, version, data, meta, content_hash, validation,"
        " errors, source, submitted_by, link_id, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item["id"],
            item["survey"],
            item["version"],
            canonical(item["data"]),
            _meta(item),
            digest,
            "quarantined" if errors else "valid",
            canonical(errors) if errors else None,
            origin.source,
            origin.user_id,
            origin.link_id,
            received_at,
        ],
    )


def _store_conflict(db, item, digest, errors, origin: Origin, received_at: str) -> None:
    # The same conflicting content sent again is kept once (UNIQUE on id + hash).
    db.execute(
        "INSERT OR IGNORE INTO submission_conflicts (submission_id, survey_id, version, data,"
        " meta, content_hash, errors, source, submitted_by, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item["id"],
            item["survey"],
            item["version"],
            canonical(item["data"]),
            _meta(item),
            digest,
            canonical(errors) if errors else None,
            origin.source,
            origin.user_id,
            received_at,
        ],
    )
    db.execute("UPDATE submissions SET has_conflict = 1 WHERE id = ?", [item["id"]])
