"""Fill the registry from stored records, when it is read (never inside a sync).

Each record stored since the last run (``registry_watermark``) is read once: for every
repeat its definition declares as naming organisations, each instance with a name
becomes a mention of the entry that name means (``registry_names``), or of a new entry
(status ``new``, so it shows up for review). Area and date come from the derived index
(``submission_facts``), which is brought up to date first. Records are never changed.

A record is read with the definition version it was stored under, so a survey that
gains or loses the declaration in a new version keeps meaning what each record meant.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_login import current_user
from sqlite_utils import Database

from ..auth.access import allowed_roles
from ..db import get_db, write_transaction
from ..records.source import catch_up as index_catch_up
from ..surveys.registry import get_definition
from ..timeutil import now_iso
from .declaration import RegistryRepeat, registry_repeats
from .names import clean, key

CHUNK = 1000
MAX_TEXT = 1000


def pending(db: Database) -> bool:
    """True when a record, or a correction of one, has not been read yet (no lock)."""
    row = db.execute(
        "SELECT (SELECT max(rowid) FROM submissions) > w.read_rowid"
        " OR (SELECT max(id) FROM submission_corrections) > w.read_correction"
        " FROM registry_watermark w WHERE w.id = 1"
    ).fetchone()
    return bool(row[0])


def catch_up(db: Database) -> int:
    """Read every record stored since the last run; return how many mentions were added."""
    index_catch_up(db)
    added = 0
    while pending(db):
        with write_transaction(db):
            _reread_corrected(db)
            done, more = _read_chunk(db)
        added += done
        if not more:
            break
    return added


def refresh_before_read() -> None:
    """``before_request`` of the registry's blueprints: GETs by an admitted user."""
    if request.method not in ("GET", "HEAD") or not current_user.is_authenticated:
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    roles = allowed_roles(view) if view else None
    if roles and (current_user.role == "admin" or current_user.role in roles):
        catch_up(get_db())


_SELECT = (
    "SELECT s.rowid, s.id, s.survey_id, s.version, s.data, f.area, f.day FROM submissions s"
    " LEFT JOIN submission_facts f ON f.submission_id = s.id"
)


def _reread_corrected(db: Database) -> None:
    """Corrections since the last run: those records' mentions are read again.

    Records above the read watermark are skipped: they are read for the first time next.
    A mention's entry is looked up again from its (corrected) name, so a merge stays.
    """
    read_rowid, mark = db.execute(
        "SELECT read_rowid, read_correction FROM registry_watermark WHERE id = 1"
    ).fetchone()
    rows = db.execute(
        "SELECT max(id), submission_id FROM submission_corrections WHERE id > ? GROUP BY submission_id",
        [mark],
    ).fetchall()
    if not rows:
        return
    ids = [r[1] for r in rows]
    marks = ", ".join("?" for _ in ids)
    records = db.execute(f"{_SELECT} WHERE s.id IN ({marks}) AND s.rowid <= ?", [*ids, read_rowid]).fetchall()
    db.execute(f"DELETE FROM registry_mentions WHERE submission_id IN ({marks})", ids)
    _read_rows(db, records)
    db.execute("UPDATE registry_watermark SET read_correction = ? WHERE id = 1", [max(r[0] for r in rows)])


def _read_chunk(db: Database) -> tuple[int, bool]:
    mark = db.execute("SELECT read_rowid FROM registry_watermark WHERE id = 1").fetchone()[0]
    rows = db.execute(f"{_SELECT} WHERE s.rowid > ? ORDER BY s.rowid LIMIT ?", [mark, CHUNK]).fetchall()
    if not rows:
        return 0, False
    added = _read_rows(db, rows)
    db.execute("UPDATE registry_watermark SET read_rowid = ? WHERE id = 1", [rows[-1][0]])
    return added, len(rows) == CHUNK


def _read_rows(db: Database, rows: list) -> int:
    """Add the mentions of these records (rowid, id, survey, version, data, area, day)."""
    added = 0
    declared: dict[tuple[str, str], list[RegistryRepeat]] = {}
    for _rowid, submission_id, survey_id, version, data, area, day in rows:
        if (survey_id, version) not in declared:
            definition = get_definition(db, survey_id, version)
            declared[(survey_id, version)] = registry_repeats(definition) if definition else []
        repeats = declared[(survey_id, version)]
        if not repeats:
            continue
        try:
            answers = json.loads(data)
        except ValueError:
            continue
        if not isinstance(answers, dict):
            continue
        for repeat in repeats:
            items = answers.get(repeat.repeat)
            if not isinstance(items, list):
                continue
            for entry, item in enumerate(items):
                if isinstance(item, dict):
                    added += _mention(db, repeat, item, submission_id, survey_id, entry, area, day)
    return added


def _text(value) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip()[:MAX_TEXT] or None


def _mention(db, repeat: RegistryRepeat, item: dict, submission_id, survey_id, entry, area, day) -> int:
    raw = item.get(repeat.name)
    if not isinstance(raw, str) or not clean(raw) or not key(raw):
        return 0
    name = clean(raw)
    org_type = _text(item.get(repeat.type)) if repeat.type else None
    partner = _text(item.get(repeat.partner)) if repeat.partner else None
    org_id = org_for(db, name, org_type, _text(item.get(repeat.does)) if repeat.does else None, partner)
    cursor = db.execute(
        "INSERT OR IGNORE INTO registry_mentions (submission_id, entry, repeat, org_id, first_org_id,"
        " survey_id, area, heard_on, name_as_heard, type_as_heard, partner_as_heard)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [submission_id, entry, repeat.repeat, org_id, org_id, survey_id, area, day, name, org_type, partner],
    )
    return cursor.rowcount


def org_for(db: Database, name: str, org_type: str | None, does: str | None, partner: str | None) -> int:
    """The entry a name means, creating a new one (to review) for a name never heard."""
    found = db.execute("SELECT org_id FROM registry_names WHERE key = ?", [key(name)]).fetchone()
    if found:
        return found[0]
    now = now_iso()
    org_id = db.execute(
        "INSERT INTO registry_orgs (name, org_type, does, partner, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'new', ?, ?)",
        [name, org_type, does, partner, now, now],
    ).lastrowid
    db.execute("INSERT INTO registry_names (key, org_id) VALUES (?, ?)", [key(name), org_id])
    db.execute(
        "INSERT INTO registry_events (org_id, action, details, actor_id, at)"
        " VALUES (?, 'created', ?, NULL, ?)",
        [org_id, json.dumps({"from": "session"}), now],
    )
    return org_id
