"""Correcting a record (quarantined, or received with a mistake), keeping what it held before.

Coordinators correct in the record's own form page (``review/routes.py`` ``edit``); the raw
JSON editor stays for what the form cannot show (answers of another version, a record
that is not an object).

The corrected answers are validated against the record's own definition version with the
same rules the sync path uses (``validate_submission``). Only a correction that passes is
saved: the record then holds the corrected answers and becomes valid, while
``submission_corrections`` keeps the answers it replaced (for the first correction,
exactly what the phone sent), who corrected it, when and why. ``content_hash`` is left as
the hash of what the phone sent, so a replay from that phone is still a duplicate.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from .. import storedjson
from ..db import write_transaction
from ..errors import AppError, NotFound
from ..storedjson import has_lone_surrogate
from ..surveys.messages import message
from ..surveys.registry import get_definition
from ..surveys.validation import validate_submission
from ..sync.envelope import MAX_DEPTH, depth
from ..sync.ingest import canonical
from ..timeutil import now_iso
from .states import add_event

Errors = dict[str, list[str]]


class CorrectionRefused(AppError):
    """A correction that cannot be saved (409: the record is not in a correctable state)."""

    status = 409


TOO_DEEP = {"answers": [f"The answers are nested too deeply (at most {MAX_DEPTH} levels)."]}


def parse_answers(text: str) -> tuple[Any, Errors]:
    """Read the answers a coordinator typed as JSON; return (answers, problems)."""
    try:
        value = json.loads(text)
    except ValueError as exc:  # malformed, or an integer over 4,300 digits
        return None, {"answers": [f"Not valid JSON: {exc}."]}
    except RecursionError:
        return None, TOO_DEEP
    if depth(value) > MAX_DEPTH:
        return None, TOO_DEEP
    if not isinstance(value, dict):
        return None, {"answers": ['The answers must be a JSON object: {"question": answer, ...}.']}
    if has_lone_surrogate(value):
        # Only a phone's cut text sends one (kept as sent); a correction replaces it.
        return None, {"answers": ["Replace each broken character (\\ud800 to \\udfff) in the answers."]}
    return value, {}


def check(db: Database, survey_id: str, version: str, answers: Any, meta: Any = None) -> Errors:
    """Validate answers against a definition version, as the sync path does (``today()``
    at the record's own ``meta.finalized_at``, as when it was synced)."""
    definition = get_definition(db, survey_id, version)
    if definition is None:
        return {"survey": [message("unknown_version", survey=survey_id, version=version)]}
    return validate_submission(definition, answers, meta)


def record_meta(stored: str | None) -> Any:
    """The client meta a record was synced with (an envelope with extra keys nests it)."""
    try:
        meta = json.loads(stored or "{}")
    except (ValueError, RecursionError):
        return None
    if isinstance(meta, dict) and isinstance(meta.get("client_meta"), dict):
        return meta["client_meta"]
    return meta


def replace_answers(
    db: Database,
    submission_id: str,
    answers: Any,
    version: str,
    errors: Errors,
    actor_id: int | None,
    comment: str | None,
) -> int:
    """Store new answers for a record, keeping the old ones; return the correction id.

    Runs inside the caller's write transaction (or opens one).
    """
    with write_transaction(db):
        row = db.execute(
            "SELECT data, version, validation, errors FROM submissions WHERE id = ?", [submission_id]
        ).fetchone()
        if row is None:
            raise NotFound("There is no such submission.")
        validation = "quarantined" if errors else "valid"
        new_errors = canonical(errors) if errors else None
        cursor = db.execute(
            "INSERT INTO submission_corrections (submission_id, original_version, original_data,"
            " original_validation, original_errors, corrected_version, corrected_data,"
            " corrected_validation, corrected_errors, comment, corrected_by, corrected_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                submission_id,
                row[1],
                row[0],
                row[2],
                row[3],
                version,
                canonical(answers),
                validation,
                new_errors,
                comment,
                actor_id,
                now_iso(),
            ],
        )
        db.execute(
            "UPDATE submissions SET data = ?, version = ?, validation = ?, errors = ? WHERE id = ?",
            [canonical(answers), version, validation, new_errors, submission_id],
        )
        return cursor.lastrowid


# A quarantined record, or a received (valid) one a coordinator found a mistake in.
CORRECTABLE = ("quarantined", "valid")


def correct(
    db: Database, submission_id: str, answers: Any, comment: str | None, actor_id: int | None
) -> Errors:
    """Correct a record's answers; return the problems left ({} when it was saved)."""
    record = db.execute(
        "SELECT survey_id, version, validation, meta FROM submissions WHERE id = ?", [submission_id]
    ).fetchone()
    if record is None:
        raise NotFound("There is no such submission.")
    survey_id, version, validation, meta = record
    if validation not in CORRECTABLE:
        raise CorrectionRefused("This record cannot be corrected.")
    errors = check(db, survey_id, version, answers, record_meta(meta))
    if errors:
        return errors
    comment = (comment or "").strip() or None
    with write_transaction(db):
        replace_answers(db, submission_id, answers, version, {}, actor_id, comment)
        add_event(db, submission_id, "correction", actor_id, comment, validation, "valid")
    return {}


def corrections(db: Database, submission_id: str) -> list[dict[str, Any]]:
    """Every correction of a record, oldest first (the first holds what was sent), each
    with the answer paths it changed (``changed``), so the record page says what it did."""
    rows = list(
        db.query(
            "SELECT c.*, u.username FROM submission_corrections c LEFT JOIN users u"
            " ON u.id = c.corrected_by WHERE c.submission_id = ? ORDER BY c.id",
            [submission_id],
        )
    )
    for row in rows:
        before = storedjson.load(row["original_data"], default=None)
        after = storedjson.load(row["corrected_data"], default=None)
        row["changed"] = sorted(_changed(before, after))
    return rows


def _changed(before: Any, after: Any, prefix: str = "") -> set[str]:
    """The answer paths whose values differ (``networks[2].org_name``; a whole record if
    either side is not an object)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return set() if before == after else {prefix.rstrip(".") or "*"}
    found: set[str] = set()
    for key in set(before) | set(after):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list) and all(isinstance(v, dict) for v in old + new):
            for index in range(max(len(old), len(new))):
                pair = (old[index] if index < len(old) else {}, new[index] if index < len(new) else {})
                found |= _changed(*pair, f"{prefix}{key}[{index}].")
        else:
            found.add(prefix + key)
    return found
