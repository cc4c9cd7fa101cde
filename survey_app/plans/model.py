"""Local action plans and their actions: create, edit, progress notes, and history.

Every change of an action is a row of ``action_history`` (field, before, after, who,
when) and a line of the audit log; progress notes are append-only. A plan's ``areas``
empty means the whole city; an action's ``areas`` empty means all of its plan's areas.
Facilitators read the actions that touch their areas: the areas of the sessions they
recorded (see ``facilitator_areas``), so no separate assignment has to be kept.
"""

from __future__ import annotations

import json
from datetime import date

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..timeutil import now_iso

STATUSES = ("planned", "under_way", "done", "dropped")
LIST_FIELDS = ("concerns", "areas", "partners")
ACTION_FIELDS = ("title", "concerns", "areas", "partners", "owner", "start_date", "due_date", "status")
PLAN_FIELDS = ("title", "areas", "surveys", "period_start", "period_end", "review_dates")


def _plan_row(row: dict) -> dict:
    row = dict(row)
    for name in ("areas", "surveys", "review_dates"):
        row[name] = json.loads(row[name])
    return row


def _action_row(row: dict) -> dict:
    row = dict(row)
    for name in LIST_FIELDS:
        row[name] = json.loads(row[name])
    return row


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def list_plans(db: Database) -> list[dict]:
    return [_plan_row(r) for r in db.query("SELECT * FROM plans ORDER BY period_start DESC, id DESC")]


def get_plan(db: Database, plan_id: int) -> dict:
    row = next(db.query("SELECT * FROM plans WHERE id = ?", [plan_id]), None)
    if row is None:
        raise NotFound("There is no such plan.")
    return _plan_row(row)


def save_plan(db: Database, values: dict, actor_id: int, plan_id: int | None = None) -> int:
    """Create a plan (``plan_id`` None) or change one; audited."""
    fields = {
        "title": values["title"].strip(),
        "areas": json.dumps(sorted(set(values.get("areas") or []))),
        "surveys": json.dumps(sorted(set(values.get("surveys") or []))),
        "period_start": _iso(values["period_start"]),
        "period_end": _iso(values["period_end"]),
        "review_dates": json.dumps(sorted({_iso(d) for d in values.get("review_dates") or []})),
    }
    if fields["period_start"] > fields["period_end"]:
        raise BadRequest("The period ends before it starts.", {"period_end": ["Ends before it starts."]})
    now = now_iso()
    with write_transaction(db):
        if plan_id is None:
            plan_id = db.execute(
                f"INSERT INTO plans ({', '.join(PLAN_FIELDS)}, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*fields.values(), actor_id, now, now],
            ).lastrowid
            audit.record(db, "plan.create", actor_id, f"plan:{plan_id}")
        else:
            before = get_plan(db, plan_id)
            sets = ", ".join(f"{name} = ?" for name in fields)
            db.execute(
                f"UPDATE plans SET {sets}, updated_at = ? WHERE id = ?", [*fields.values(), now, plan_id]
            )
            after = get_plan(db, plan_id)
            changed = sorted(n for n in PLAN_FIELDS if before[n] != after[n])
            audit.record(db, "plan.edit", actor_id, f"plan:{plan_id}", fields=changed)
    return plan_id


def list_actions(db: Database, plan_id: int) -> list[dict]:
    rows = db.query("SELECT * FROM plan_actions WHERE plan_id = ? ORDER BY id", [plan_id])
    actions = [_action_row(r) for r in rows]
    notes = last_notes(db, [a["id"] for a in actions])
    for action in actions:
        action["last_note"] = notes.get(action["id"])
    return actions


def get_action(db: Database, action_id: int) -> dict:
    row = next(db.query("SELECT * FROM plan_actions WHERE id = ?", [action_id]), None)
    if row is None:
        raise NotFound("There is no such action.")
    return _action_row(row)


def _action_values(values: dict) -> dict:
    status = values.get("status") or "planned"
    if status not in STATUSES:
        raise BadRequest("Unknown status.", {"status": [status]})
    start, due = _iso(values.get("start_date")), _iso(values.get("due_date"))
    if start and due and start > due:
        raise BadRequest("The action is due before it starts.", {"due_date": ["Due before it starts."]})
    return {
        "title": values["title"].strip(),
        "concerns": sorted(set(values.get("concerns") or [])),
        "areas": sorted(set(values.get("areas") or [])),
        "partners": sorted({int(p) for p in values.get("partners") or []}),
        "owner": (values.get("owner") or "").strip() or None,
        "start_date": start,
        "due_date": due,
        "status": status,
    }


def _stored(value):
    return json.dumps(value) if isinstance(value, list) else value


def save_action(db: Database, plan_id: int, values: dict, actor_id: int, action_id: int | None = None) -> int:
    """Create or change an action; each changed field goes into its history."""
    new = _action_values(values)
    now = now_iso()
    with write_transaction(db):
        get_plan(db, plan_id)
        if action_id is None:
            action_id = db.execute(
                f"INSERT INTO plan_actions (plan_id, {', '.join(ACTION_FIELDS)}, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [plan_id, *(_stored(new[f]) for f in ACTION_FIELDS), now, now],
            ).lastrowid
            _history(db, action_id, "created", actor_id, values={f: new[f] for f in ACTION_FIELDS})
            audit.record(db, "plan.action.create", actor_id, f"action:{action_id}", plan=plan_id)
            return action_id
        old = get_action(db, action_id)
        if old["plan_id"] != plan_id:
            raise NotFound("There is no such action in this plan.")
        changed = {f: [old[f], new[f]] for f in ACTION_FIELDS if old[f] != new[f]}
        if not changed:
            return action_id
        sets = ", ".join(f"{f} = ?" for f in ACTION_FIELDS)
        db.execute(
            f"UPDATE plan_actions SET {sets}, updated_at = ? WHERE id = ?",
            [*(_stored(new[f]) for f in ACTION_FIELDS), now, action_id],
        )
        _history(db, action_id, "edited", actor_id, changed=changed)
        audit.record(db, "plan.action.edit", actor_id, f"action:{action_id}", fields=sorted(changed))
    return action_id


def add_note(db: Database, action_id: int, noted_on, body: str, actor_id: int) -> int:
    body = body.strip()
    if not body:
        raise BadRequest("A progress note needs some text.", {"body": ["Write the note."]})
    with write_transaction(db):
        get_action(db, action_id)
        note_id = db.execute(
            "INSERT INTO action_notes (action_id, noted_on, body, actor_id, at) VALUES (?, ?, ?, ?, ?)",
            [action_id, _iso(noted_on), body, actor_id, now_iso()],
        ).lastrowid
        _history(db, action_id, "note", actor_id, note=note_id, noted_on=_iso(noted_on))
        audit.record(db, "plan.action.note", actor_id, f"action:{action_id}", note=note_id)
    return note_id


def _history(db: Database, action_id: int, change: str, actor_id: int | None, **details) -> None:
    db.execute(
        "INSERT INTO action_history (action_id, change, details, actor_id, at) VALUES (?, ?, ?, ?, ?)",
        [action_id, change, json.dumps(details, ensure_ascii=False, default=str), actor_id, now_iso()],
    )


def history(db: Database, action_id: int) -> list[dict]:
    rows = db.query(
        "SELECT h.change, h.details, h.at, u.username FROM action_history h"
        " LEFT JOIN users u ON u.id = h.actor_id WHERE h.action_id = ? ORDER BY h.id",
        [action_id],
    )
    return [{**r, "details": json.loads(r["details"])} for r in rows]


def notes(db: Database, action_id: int) -> list[dict]:
    return list(
        db.query(
            "SELECT n.noted_on, n.body, n.at, u.username FROM action_notes n LEFT JOIN users u"
            " ON u.id = n.actor_id WHERE n.action_id = ? ORDER BY n.noted_on DESC, n.id DESC",
            [action_id],
        )
    )


def last_notes(db: Database, action_ids: list[int]) -> dict[int, dict]:
    """The latest progress note of each action (by its date, then order written)."""
    if not action_ids:
        return {}
    marks = ", ".join("?" for _ in action_ids)
    rows = db.query(
        f"SELECT action_id, noted_on, body FROM action_notes WHERE action_id IN ({marks})"
        " ORDER BY action_id, noted_on, id",
        action_ids,
    )
    return {r["action_id"]: {"noted_on": r["noted_on"], "body": r["body"]} for r in rows}


def action_areas(plan: dict, action: dict) -> list[str]:
    """The areas an action covers: its own, else its plan's (empty: the whole city)."""
    return action["areas"] or plan["areas"]


def facilitator_areas(db: Database, user_id: int) -> set[str]:
    """The areas of the sessions a facilitator recorded (what "their areas" means here)."""
    rows = db.execute(
        "SELECT DISTINCT area FROM submission_facts WHERE submitted_by = ? AND area IS NOT NULL", [user_id]
    )
    return {r[0] for r in rows.fetchall()}


def actions_for_areas(db: Database, wanted: set[str]) -> list[tuple[dict, dict]]:
    """(plan, action) pairs whose areas meet ``wanted`` (city-wide actions included)."""
    found = []
    for plan in list_plans(db):
        for action in list_actions(db, plan["id"]):
            covered = set(action_areas(plan, action))
            if not covered or covered & wanted:
                found.append((plan, action))
    return found
