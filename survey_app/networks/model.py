"""Reading and changing registry entries: list and filter, edit, confirm, merge.

Counts come from the mentions of records that count as evidence (valid and not rejected,
``records.source.COUNTED``). Every change is an event in the entry's history and a line in
the audit log; a merge moves the mentions and spellings to the entry kept, and the merged
entry stays (status ``merged``) with its history and a pointer to where it went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..records.source import COUNTED
from ..timeutil import now_iso
from .names import clean, key

STATUSES = ("new", "confirmed", "merged")
EDITABLE = ("name", "org_type", "does", "partner")


@dataclass(frozen=True)
class RegistryFilter:
    area: str | None = None
    org_type: str | None = None
    status: str | None = None
    q: str | None = None


_STATS = f"""
    SELECT o.id, o.name, o.org_type, o.does, o.partner, o.status, o.merged_into, o.created_at,
      count(f.fid) AS mentions, count(DISTINCT f.fid) AS sessions,
      min(f.day) AS first_heard, max(f.day) AS last_heard,
      (SELECT json_group_array(area) FROM (SELECT DISTINCT m2.area AS area FROM registry_mentions m2
         JOIN submission_facts f2 ON f2.submission_id = m2.submission_id
         WHERE m2.org_id = o.id AND m2.area IS NOT NULL AND {COUNTED.replace("f.", "f2.")}
         ORDER BY m2.area)) AS areas
    FROM registry_orgs o
    LEFT JOIN registry_mentions m ON m.org_id = o.id
    LEFT JOIN submission_facts f ON f.submission_id = m.submission_id AND {COUNTED}
"""


def list_orgs(db: Database, where: RegistryFilter = RegistryFilter()) -> list[dict]:
    """Entries with their counts, by name; merged entries only when asked for."""
    clauses, params = [], []
    if where.status:
        clauses.append("o.status = ?")
        params.append(where.status)
    else:
        clauses.append("o.status != 'merged'")
    if where.org_type:
        clauses.append("o.org_type = ?")
        params.append(where.org_type)
    if where.q:
        clauses.append("instr(lower(o.name), ?) > 0")
        params.append(where.q.casefold())
    if where.area:
        clauses.append("EXISTS (SELECT 1 FROM registry_mentions ma WHERE ma.org_id = o.id AND ma.area = ?)")
        params.append(where.area)
    sql = f"{_STATS} WHERE {' AND '.join(clauses)} GROUP BY o.id ORDER BY lower(o.name), o.id"
    return [_row(row) for row in db.query(sql, params)]


def get_org(db: Database, org_id: int) -> dict:
    row = next(db.query(f"{_STATS} WHERE o.id = ? GROUP BY o.id", [org_id]), None)
    if row is None or row["id"] is None:
        raise NotFound("There is no such registry entry.")
    return _row(row)


def _row(row: dict) -> dict:
    row = dict(row)
    row["areas"] = json.loads(row["areas"] or "[]")
    return row


def spellings(db: Database, org_id: int) -> list[dict]:
    """The names heard for an entry, with how often (the words as phones sent them)."""
    return list(
        db.query(
            "SELECT name_as_heard AS name, count(*) AS times FROM registry_mentions WHERE org_id = ?"
            " GROUP BY name_as_heard ORDER BY times DESC, name_as_heard",
            [org_id],
        )
    )


def history(db: Database, org_id: int) -> list[dict]:
    rows = db.query(
        "SELECT e.action, e.details, e.at, u.username FROM registry_events e"
        " LEFT JOIN users u ON u.id = e.actor_id WHERE e.org_id = ? ORDER BY e.id",
        [org_id],
    )
    return [{**row, "details": json.loads(row["details"])} for row in rows]


def names_by_id(db: Database, ids: list[int] | None = None) -> dict[int, str]:
    """Entry names (all live entries, or just ``ids``), for partner lists and merges."""
    if ids is None:
        rows = db.execute("SELECT id, name FROM registry_orgs WHERE status != 'merged' ORDER BY lower(name)")
    else:
        marks = ", ".join("?" for _ in ids) or "NULL"
        rows = db.execute(f"SELECT id, name FROM registry_orgs WHERE id IN ({marks})", ids)
    return {row[0]: row[1] for row in rows.fetchall()}


def _event(db: Database, org_id: int, action: str, actor_id: int | None, **details) -> None:
    db.execute(
        "INSERT INTO registry_events (org_id, action, details, actor_id, at) VALUES (?, ?, ?, ?, ?)",
        [org_id, action, json.dumps(details, ensure_ascii=False), actor_id, now_iso()],
    )


def _live(db: Database, org_id: int) -> dict:
    row = next(db.query("SELECT * FROM registry_orgs WHERE id = ?", [org_id]), None)
    if row is None:
        raise NotFound("There is no such registry entry.")
    if row["status"] == "merged":
        raise BadRequest("This entry was merged into another; change that one instead.")
    return row


def edit(db: Database, org_id: int, changes: dict, actor_id: int) -> dict:
    """Change an entry's name, type, what it does or partner potential (history kept)."""
    with write_transaction(db):
        row = _live(db, org_id)
        new = {field: changes.get(field) or None for field in EDITABLE}
        if not new["name"] or not key(new["name"]):
            raise BadRequest("An entry needs a name.", {"name": ["An entry needs a name."]})
        new["name"] = clean(new["name"])
        changed = {f: [row[f], new[f]] for f in EDITABLE if row[f] != new[f]}
        if not changed:
            return row
        owner = db.execute("SELECT org_id FROM registry_names WHERE key = ?", [key(new["name"])]).fetchone()
        if owner and owner[0] != org_id:
            raise BadRequest(
                "Another entry already has this name: merge them instead.",
                {"name": ["Another entry already has this name: merge them instead."]},
            )
        db.execute(
            "UPDATE registry_orgs SET name = ?, org_type = ?, does = ?, partner = ?, updated_at = ?"
            " WHERE id = ?",
            [new["name"], new["org_type"], new["does"], new["partner"], now_iso(), org_id],
        )
        db.execute(
            "INSERT OR IGNORE INTO registry_names (key, org_id) VALUES (?, ?)", [key(new["name"]), org_id]
        )
        _event(db, org_id, "edited", actor_id, changed=changed)
        audit.record(db, "registry.edit", actor_id, f"registry:{org_id}", fields=sorted(changed))
    return changed


def confirm(db: Database, org_id: int, actor_id: int) -> None:
    with write_transaction(db):
        row = _live(db, org_id)
        if row["status"] == "confirmed":
            return
        db.execute(
            "UPDATE registry_orgs SET status = 'confirmed', updated_at = ? WHERE id = ?", [now_iso(), org_id]
        )
        _event(db, org_id, "confirmed", actor_id)
        audit.record(db, "registry.confirm", actor_id, f"registry:{org_id}")


def merge(db: Database, source_id: int, target_id: int, actor_id: int) -> int:
    """Fold ``source_id`` into ``target_id``; return how many mentions moved."""
    if source_id == target_id:
        raise BadRequest("An entry cannot be merged into itself.", {"into": ["Choose another entry."]})
    with write_transaction(db):
        source, target = _live(db, source_id), _live(db, target_id)
        moved = db.execute(
            "UPDATE registry_mentions SET org_id = ? WHERE org_id = ?", [target_id, source_id]
        ).rowcount
        db.execute("UPDATE registry_names SET org_id = ? WHERE org_id = ?", [target_id, source_id])
        db.execute(
            "UPDATE registry_orgs SET status = 'merged', merged_into = ?, updated_at = ? WHERE id = ?",
            [target_id, now_iso(), source_id],
        )
        filled = {f: source[f] for f in ("org_type", "does", "partner") if not target[f] and source[f]}
        if filled:
            sets = ", ".join(f"{f} = ?" for f in filled)
            db.execute(f"UPDATE registry_orgs SET {sets} WHERE id = ?", [*filled.values(), target_id])
        _event(
            db, source_id, "merged_into", actor_id, into=target_id, into_name=target["name"], mentions=moved
        )
        _event(
            db,
            target_id,
            "merged_from",
            actor_id,
            source=source_id,
            source_name=source["name"],
            mentions=moved,
        )
        audit.record(
            db, "registry.merge", actor_id, f"registry:{target_id}", merged=source_id, mentions=moved
        )
    return moved


def picker_list(db: Database) -> list[dict]:
    """What a facilitator's phone keeps for the organisation picker: live entries only."""
    rows = db.query(
        "SELECT o.id, o.name, o.org_type, o.status,"
        " (SELECT json_group_array(DISTINCT m.area) FROM registry_mentions m"
        "  WHERE m.org_id = o.id AND m.area IS NOT NULL) AS areas"
        " FROM registry_orgs o WHERE o.status != 'merged' ORDER BY lower(o.name), o.id"
    )
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "type": row["org_type"],
            "confirmed": row["status"] == "confirmed",
            "areas": json.loads(row["areas"] or "[]"),
        }
        for row in rows
    ]
