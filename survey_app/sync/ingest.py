"""Store a batch of submissions idempotently, in one durable transaction.

Each item comes back ``stored``, ``duplicate`` (same id, same content), ``conflict``
(same id, different content: both kept, flagged) or ``quarantined`` (kept as sent with
the reasons it fails its definition). All four mean the server has it durably; the
phone drops its copy only after this function's transaction has committed.

A conflict copy is taken only from whoever owns the record (``owns``): the same account,
the same public link, or a coordinator importing that account's (or link's) backup file,
and only for the same survey. Anything else is ``refused`` with reason ``not_yours``: the
server will never take it, and the phone keeps it. The refusal is the same whatever the
existing record is (another survey, another account, a link), so it tells the caller only
that the id is taken, which it can learn of an id it already holds and of no other (ids
are random UUIDs made by the phones).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlite_utils import Database

from ..db import write_transaction
from ..surveys.messages import english, message
from ..surveys.registry import get_definition
from ..surveys.validation import validate_submission
from ..timeutil import now_iso


@dataclass(frozen=True)
class Origin:
    """Where a batch came from: a signed-in account, an import, or a public link."""

    source: str  # "web", "api", "form", "import", "link"
    user_id: int | None = None
    link_id: int | None = None
    # An import only: the account the backup file says it was saved from ("link:<id>"
    # for a public link's phone). It decides whose records the file may add copies to.
    account: str | None = None


@dataclass(frozen=True)
class Known:
    """What ownership needs to know of a stored record (nothing of its answers)."""

    content_hash: str
    survey_id: str
    source: str
    submitted_by: int | None
    link_id: int | None
    username: str | None  # the account that sent it, if any
    file_account: str | None  # for an imported record: the account its phone put in its meta


NOT_YOURS = "not_yours"


def refusal_text(reason: str) -> str:
    """The human text of an item-level refusal, in the caller's interface language."""
    del reason  # one reason today; the text must not hint at the existing record
    return gettext(
        "The server will not take this record. It stays on this phone: save a backup file "
        "and give it to your coordinator."
    )


def refused(record_id: str, reason: str, message: str) -> dict:
    """An item-level refusal: the server will never take this item; the phone keeps it."""
    return {"id": record_id, "status": "refused", "reason": reason, "message": message}


def owns(existing: Known, item: dict, origin: Origin) -> bool:
    """Whether this caller may add a conflicting copy of an existing record."""
    if existing.survey_id != item["survey"]:
        return False
    if origin.source == "link":
        return existing.link_id is not None and existing.link_id == origin.link_id
    if origin.source == "import":
        claim = origin.account
        if not claim:
            return False
        if existing.link_id is not None:
            return claim == f"link:{existing.link_id}"
        if existing.source == "import":
            return claim == existing.file_account
        return claim == existing.username
    return existing.link_id is None and origin.user_id is not None and existing.submitted_by == origin.user_id


# One encoder each, made once: ``json.dumps`` with options builds a new encoder on every
# call, which cost more than encoding a record's meta. ``encode`` is what ``dumps`` calls.
_READABLE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_ESCAPED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, readable UTF-8.

    A lone surrogate (a phone's string cut in the middle of an emoji, sent as
    ``"\\ud800"``) cannot be stored as UTF-8; such a value keeps its JSON escapes, so it
    is still stored exactly and reads back as what was sent.
    """
    text = _READABLE.encode(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _ESCAPED.encode(value)
    return text


def content_hash(item: dict) -> str:
    """Identity of a record's content: its survey, version and answers (not its meta)."""
    payload = canonical({"survey": item["survey"], "version": item["version"], "data": item["data"]})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _stored_data(item: dict) -> tuple[str, str]:
    """(canonical text of the answers, content hash): the answers encoded once, not twice.

    The hash's payload is ``{"data":…,"survey":…,"version":…}`` (sorted keys, readable
    UTF-8), so it is built around the answers' own canonical text. When any of the three
    cannot be UTF-8 (a lone surrogate), :func:`canonical` escapes the whole payload, so
    that case goes through :func:`content_hash` itself. Equal to it in every case
    (tests/test_ingest_speed.py).
    """
    text = _READABLE.encode(item["data"])
    try:
        payload = (
            f'{{"data":{text},"survey":{_READABLE.encode(item["survey"])},'
            f'"version":{_READABLE.encode(item["version"])}}}'
        ).encode()
    except UnicodeEncodeError:
        return canonical(item["data"]), content_hash(item)
    return text, hashlib.sha256(payload).hexdigest()


def check_item(db: Database, item: dict) -> dict[str, list[str]]:
    """Validate one record against its own definition version."""
    definition = get_definition(db, item["survey"], item["version"])
    if definition is None:
        return {"survey": [message("unknown_version", survey=item["survey"], version=item["version"])]}
    # meta carries finalized_at: today() is the day the record was made, not synced.
    return validate_submission(definition, item["data"], item.get("meta"))


def _meta(item: dict) -> str:
    """The client's meta plus any extra keys it sent, so nothing it sent is lost.

    Except a public link's ticket (``meta.link_ticket``, e.g. in an imported backup file):
    it is a pass checked on arrival, not a fact about the record, and is never kept.
    """
    extra = {k: v for k, v in item.items() if k not in ("id", "survey", "version", "data", "meta")}
    meta = item.get("meta")
    if isinstance(meta, dict) and "link_ticket" in meta:
        meta = {k: v for k, v in meta.items() if k != "link_ticket"}
    if extra:
        meta = {"client_meta": meta, "extra": extra}
    return canonical(meta if meta is not None else {})


def _known(db: Database, ids: list[str]) -> dict[str, Known]:
    known = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT s.id, s.content_hash, s.survey_id, s.source, s.submitted_by, s.link_id,"
            " u.username, CASE WHEN s.source = 'import' AND json_valid(s.meta) THEN"
            " coalesce(json_extract(s.meta, '$.account'), json_extract(s.meta, '$.client_meta.account'))"
            " END"
            f" FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by WHERE s.id IN ({marks})",
            chunk,
        )
        for row in rows:
            known[row[0]] = Known(*row[1:])
    return known


def _as_known(item: dict, digest: str, origin: Origin) -> Known:
    """A record stored earlier in this batch, as ``owns`` sees it."""
    return Known(digest, item["survey"], origin.source, origin.user_id, origin.link_id, None, origin.account)


def ingest(
    db: Database, items: list[dict], origin: Origin, explain: Callable[[str], str] = refusal_text
) -> list[dict]:
    """Store a batch and return one result per item, in order.

    ``explain`` gives a refusal's human text (a public link answers in its survey's
    language, not the interface's).

    Validation (the costly part) runs before the write lock is taken, so several workers
    validate at once and the lock is held only for the inserts. It depends on nothing but
    the immutable definition, so doing it early cannot go stale; whether a record is new,
    a duplicate or a conflict is decided again under the lock.
    """
    received_at = now_iso()
    ids = list({item["id"] for item in items})
    encoded = [_stored_data(item) for item in items]
    digests = [digest for _text, digest in encoded]
    seen_before = _known(db, ids)
    checked = {
        index: check_item(db, item)
        for index, item in enumerate(items)
        if item["id"] not in seen_before or seen_before[item["id"]].content_hash != digests[index]
    }
    results = []
    new_rows: list[list] = []  # inserted together: one executemany per batch
    with write_transaction(db):
        known = _known(db, ids)
        for index, item in enumerate(items):
            digest = digests[index]
            existing = known.get(item["id"])
            if existing is not None and existing.content_hash == digest:
                results.append({"id": item["id"], "status": "duplicate"})
                continue
            if existing is not None and not owns(existing, item, origin):
                results.append(refused(item["id"], NOT_YOURS, explain(NOT_YOURS)))
                continue
            errors = checked[index] if index in checked else check_item(db, item)
            if existing is not None:
                _insert(db, new_rows)  # the record it conflicts with may be earlier in this batch
                _store_conflict(db, item, digest, errors, origin, received_at)
                results.append({"id": item["id"], "status": "conflict"})
                continue
            new_rows.append(_row(item, encoded[index][0], digest, errors, origin, received_at))
            known[item["id"]] = _as_known(item, digest, origin)
            result = {"id": item["id"], "status": "quarantined" if errors else "stored"}
            if errors:
                result["errors"] = english(errors)  # stored as codes; the API speaks English
            results.append(result)
        _insert(db, new_rows)
    return results


def _row(item, data_text: str, digest, errors, origin: Origin, received_at: str) -> list:
    """One new record's ``submissions`` row, in the order of :data:`INSERT_SUBMISSION`."""
    return [
        item["id"],
        item["survey"],
        item["version"],
        data_text,
        _meta(item),
        digest,
        "quarantined" if errors else "valid",
        canonical(errors) if errors else None,
        origin.source,
        origin.user_id,
        origin.link_id,
        received_at,
    ]


INSERT_SUBMISSION = (
    "INSERT INTO submissions (id, survey_id, version, data, meta, content_hash, validation,"
    " errors, source, submitted_by, link_id, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert(db: Database, rows: list[list]) -> None:
    """Insert the rows gathered so far, in order, and empty the list."""
    if rows:
        db.conn.executemany(INSERT_SUBMISSION, rows)
        rows.clear()


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
