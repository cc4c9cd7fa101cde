"""Reviews of a plan: the evidence beside each action, frozen, and the decisions taken.

Running a review computes, for its period and for the period of the same length just
before, each area's figures and each action's evidence in each of its areas (sessions
raising its concerns, their share of the area's sessions, each concern's count, women
and youth in those sessions; the area's trust and safety scores), and stores all of it
as the review's snapshot, which never changes: a later review reads the earlier one's
numbers as they were, whatever records arrive or are corrected since.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..networks.model import names_by_id
from ..records.source import catch_up
from ..timeutil import now_iso
from . import evidence, model
from .vocab import surveys_with_concerns

DECISIONS = ("keep", "change", "add", "drop")
SNAPSHOT_VERSION = 1


def plan_surveys(db: Database, plan: dict) -> list[str]:
    return plan["surveys"] or sorted(surveys_with_concerns(db))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def build_snapshot(db: Database, plan: dict, start: str, end: str) -> dict:
    """The evidence of a plan over ``start``..``end`` and the period before (aggregates only)."""
    catch_up(db)  # every record stored so far is in the evidence
    surveys = plan_surveys(db, plan)
    prev_start, prev_end = evidence.previous_period(start, end)
    periods = {"current": (start, end), "previous": (prev_start, prev_end)}
    figures = {p: evidence.area_figures(db, surveys, *span) for p, span in periods.items()}
    seen = {a for p in figures.values() for a in p if a}
    areas = plan["areas"] or sorted(seen)
    empty = {name: 0 for name in evidence.COUNTS} | {"scores": {}}
    actions = []
    for action in model.list_actions(db, plan["id"]):
        covered = action["areas"] or areas
        found = {
            p: evidence.concern_figures(db, surveys, *span, action["concerns"]) for p, span in periods.items()
        }
        per_area = {}
        for area in covered:
            per_area[area] = {}
            for p in periods:
                sessions = figures[p].get(area, empty)["sessions"]
                raised = found[p].get(area, {"mentions": 0, "women": 0, "youth": 0, "by_concern": {}})
                per_area[area][p] = {
                    "sessions": sessions,
                    "mentions": raised["mentions"],
                    "share": _share(raised["mentions"], sessions),
                    "women": raised["women"],
                    "youth": raised["youth"],
                    "by_concern": {c: raised["by_concern"].get(c, 0) for c in action["concerns"]},
                }
        partners = names_by_id(db, action["partners"])
        actions.append(
            {
                **{
                    k: action[k]
                    for k in ("id", "title", "status", "concerns", "owner", "start_date", "due_date")
                },
                "areas": covered,
                "partners": [partners.get(p, f"#{p}") for p in action["partners"]],
                "last_note": action["last_note"],
                "evidence": per_area,
            }
        )
    return {
        "version": SNAPSHOT_VERSION,
        "plan": {k: plan[k] for k in ("id", "title", "areas", "period_start", "period_end", "review_dates")},
        "surveys": surveys,
        "period": {"start": start, "end": end},
        "previous": {"start": prev_start, "end": prev_end},
        "areas": areas,
        "area_figures": {area: {p: figures[p].get(area, empty) for p in periods} for area in areas},
        "actions": actions,
        "taken_at": now_iso(),
    }


def run_review(db: Database, plan_id: int, start: str, end: str, language: str, actor_id: int) -> int:
    plan = model.get_plan(db, plan_id)
    if start > end:
        raise BadRequest(
            "The review period ends before it starts.", {"period_end": ["Ends before it starts."]}
        )
    snapshot = build_snapshot(db, plan, start, end)
    with write_transaction(db):
        review_id = db.execute(
            "INSERT INTO plan_reviews (plan_id, period_start, period_end, previous_start, previous_end,"
            " snapshot, language, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                plan_id,
                start,
                end,
                snapshot["previous"]["start"],
                snapshot["previous"]["end"],
                json.dumps(snapshot, ensure_ascii=False),
                language,
                actor_id,
                now_iso(),
            ],
        ).lastrowid
        audit.record(db, "plan.review", actor_id, f"review:{review_id}", plan=plan_id, start=start, end=end)
    return review_id


def get_review(db: Database, review_id: int) -> dict:
    row = next(db.query("SELECT * FROM plan_reviews WHERE id = ?", [review_id]), None)
    if row is None:
        raise NotFound("There is no such review.")
    row = dict(row)
    row["snapshot"] = json.loads(row["snapshot"])
    return row


def list_reviews(db: Database, plan_id: int) -> list[dict]:
    return list(
        db.query(
            "SELECT id, period_start, period_end, previous_start, previous_end, created_at FROM plan_reviews"
            " WHERE plan_id = ? ORDER BY id DESC",
            [plan_id],
        )
    )


def decide(
    db: Database, review_id: int, action_id: int | None, decision: str, note: str, actor_id: int
) -> None:
    """Record a decision: keep, change or drop an action of the review, or add a new one."""
    review = get_review(db, review_id)
    if decision not in DECISIONS:
        raise BadRequest("Choose keep, change, add or drop.", {"decision": [decision]})
    in_review = {a["id"] for a in review["snapshot"]["actions"]}
    if decision == "add":
        action_id = None
        if not note.strip():
            raise BadRequest("Say what action to add.", {"note": ["Say what action to add."]})
    elif action_id not in in_review:
        raise BadRequest("That action is not part of this review.", {"action": [str(action_id)]})
    with write_transaction(db):
        db.execute(
            "INSERT INTO review_decisions (review_id, action_id, decision, note, actor_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [review_id, action_id, decision, note.strip() or None, actor_id, now_iso()],
        )
        if action_id is not None:
            db.execute(
                "INSERT INTO action_history (action_id, change, details, actor_id, at)"
                " VALUES (?, 'decision', ?, ?, ?)",
                [action_id, json.dumps({"review": review_id, "decision": decision}), actor_id, now_iso()],
            )
        audit.record(
            db,
            "plan.review.decision",
            actor_id,
            f"review:{review_id}",
            action_id=action_id,
            decision=decision,
        )


def decisions(db: Database, review_id: int) -> tuple[dict[int, dict], list[dict]]:
    """(latest decision per action, the "add" decisions in order)."""
    latest: dict[int, dict] = {}
    added = []
    for row in db.query(
        "SELECT action_id, decision, note, at FROM review_decisions WHERE review_id = ? ORDER BY id",
        [review_id],
    ):
        if row["action_id"] is None:
            added.append(row)
        else:
            latest[row["action_id"]] = row
    return latest, added
