"""The "What we heard, what we are doing" page: what it shows, suppressed, and publishing it.

The page of a survey (and of each of its areas) shows: how many sessions or answers were
heard, the people, women and youth reached where the survey counts them, the concerns
raised most (count and share of sessions), and the actions that answer those concerns
with their status and last progress note. Every number comes from one table of the whole
survey (all its listed areas and the city total), which
``suppression.suppress`` masks as one, so that no page, nor any two pages side by side,
let a hidden count be worked out. No free-text answer, no record, nothing about anyone.

Publishing stores exactly what the coordinator previewed (``heard_pages``); the public
sees that copy until it is published again or withdrawn.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from .. import audit
from ..db import write_transaction
from ..errors import BadRequest, NotFound
from ..records.source import catch_up
from ..surveys.registry import get_definition
from ..timeutil import now_iso
from . import evidence, model, vocab
from .suppression import suppress

CITY = "*"
TOP = 5
PEOPLE = ("people", "women", "men", "undisclosed", "youth")
SHOWN_PEOPLE = ("people", "women", "youth")


def _table(db: Database, survey_id: str) -> tuple[dict, list, set, list[str], list[str], bool]:
    """Every count of the survey's pages, the sums that tie them, the cells never shown.

    With an area list, the city is the sum of its listed areas (records with no listed
    area are left out of public pages: their row would be one more unknown that helps
    work out the others). A survey without one has only the city column.
    """
    areas = list(vocab.areas(db, "en", [survey_id]))
    concerns = list(vocab.concerns(db, "en", [survey_id])) + ["other"]
    figures = evidence.area_figures(db, [survey_id], None, None)
    raised = evidence.all_concerns(db, [survey_id], None, None)

    def targets(area: str) -> list[str]:
        if not areas:
            return [CITY]
        return [area, CITY] if area in areas else []

    cells: dict = {}
    for area in [*areas, CITY]:
        cells[("sessions", area)] = 0
        for name in PEOPLE:
            cells[(name, area)] = 0
        for concern in concerns:
            cells[("concern", concern, area)] = 0
    for area, figs in figures.items():
        for target in targets(area):
            cells[("sessions", target)] += figs["sessions"]
            for name in PEOPLE:
                cells[(name, target)] += figs[name]
    for area, counts in raised.items():
        for concern, count in counts.items():
            if concern in concerns:
                for target in targets(area):
                    cells[("concern", concern, target)] += count
    lines = [(("people", a), [("women", a), ("men", a), ("undisclosed", a)]) for a in [*areas, CITY]]
    if areas:
        lines += [(("sessions", CITY), [("sessions", a) for a in areas])]
        lines += [((name, CITY), [(name, a) for a in areas]) for name in PEOPLE]
        lines += [(("concern", c, CITY), [("concern", c, a) for a in areas]) for c in concerns]
    hidden = {(name, a) for name in ("men", "undisclosed") for a in [*areas, CITY]}
    counts_people = cells[("people", CITY)] > 0
    return cells, lines, hidden, areas, concerns, counts_people


def build(db: Database, survey_id: str, area: str | None, threshold: int) -> dict:
    """The page's content for the whole survey (``area`` None) or one of its areas."""
    if get_definition(db, survey_id) is None:
        raise NotFound("There is no such survey.")
    catch_up(db)
    cells, lines, hidden, areas, concerns, counts_people = _table(db, survey_id)
    if area is not None and area not in areas:
        raise BadRequest("This survey has no such area.", {"area": [area]})
    masked = suppress(cells, lines, threshold, hidden)
    where = area or CITY

    def value(key):
        return None if key in masked else cells[key]

    sessions = value(("sessions", where))
    top = sorted(
        (
            (c, cells[("concern", c, where)])
            for c in concerns
            if ("concern", c, where) not in masked and cells[("concern", c, where)] > 0
        ),
        key=lambda item: (-item[1], item[0]),
    )[:TOP]
    raised = [
        {"concern": c, "count": n, "share": round(n / sessions, 3) if sessions else None} for c, n in top
    ]
    hidden_any = any(("concern", c, where) in masked and cells[("concern", c, where)] for c in concerns)
    return {
        "survey": survey_id,
        "area": area,
        "threshold": threshold,
        "sessions": sessions,
        "people": {n: value((n, where)) for n in SHOWN_PEOPLE} if counts_people else None,
        "raised": raised,
        "some_hidden": hidden_any or sessions is None,
        "actions": _actions(db, survey_id, area, {r["concern"] for r in raised}),
        "built_at": now_iso(),
    }


def _actions(db: Database, survey_id: str, area: str | None, concerns: set[str]) -> list[dict]:
    found = []
    for plan in model.list_plans(db):
        if plan["surveys"] and survey_id not in plan["surveys"]:
            continue
        for action in model.list_actions(db, plan["id"]):
            answers = sorted(set(action["concerns"]) & concerns)
            covered = model.action_areas(plan, action)
            if not answers or (area and covered and area not in covered):
                continue
            note = action["last_note"]
            found.append(
                {
                    "title": action["title"],
                    "status": action["status"],
                    "concerns": answers,
                    "areas": covered,
                    "last_note": {"noted_on": note["noted_on"], "body": note["body"]} if note else None,
                }
            )
    return found


def publish(db: Database, survey_id: str, area: str | None, threshold: int, actor_id: int | None) -> int:
    """Store the page as it is now (what the preview showed) and make it public."""
    page = build(db, survey_id, area, threshold)
    with write_transaction(db):
        page_id = db.execute(
            "INSERT INTO heard_pages (survey_id, area, snapshot, threshold, published_by, published_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [survey_id, area or "", json.dumps(page, ensure_ascii=False), threshold, actor_id, now_iso()],
        ).lastrowid
        audit.record(db, "heard.publish", actor_id, f"heard:{survey_id}/{area or ''}", page=page_id)
    return page_id


def withdraw(db: Database, survey_id: str, area: str | None, actor_id: int) -> bool:
    with write_transaction(db):
        changed = db.execute(
            "UPDATE heard_pages SET withdrawn_at = ? WHERE survey_id = ? AND area = ?"
            " AND withdrawn_at IS NULL",
            [now_iso(), survey_id, area or ""],
        ).rowcount
        if changed:
            audit.record(db, "heard.withdraw", actor_id, f"heard:{survey_id}/{area or ''}")
    return bool(changed)


def published(db: Database, survey_id: str, area: str | None) -> dict | None:
    """The page the public sees, or None if it was never published or was withdrawn."""
    row = db.execute(
        "SELECT snapshot, withdrawn_at, published_at FROM heard_pages WHERE survey_id = ? AND area = ?"
        " ORDER BY id DESC LIMIT 1",
        [survey_id, area or ""],
    ).fetchone()
    if row is None or row[1] is not None:
        return None
    return {**json.loads(row[0]), "published_at": row[2]}


def publications(db: Database) -> list[dict]:
    """The live pages, for the coordinators' list."""
    rows = db.query(
        "SELECT h.survey_id, h.area, h.published_at FROM heard_pages h WHERE h.id IN"
        " (SELECT max(id) FROM heard_pages GROUP BY survey_id, area) AND h.withdrawn_at IS NULL"
        " ORDER BY h.survey_id, h.area"
    )
    return list(rows)
