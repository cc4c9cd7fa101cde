"""An aggregate export of a plan and one of its reviews, for other cities.

Built from the review's frozen snapshot, with the public pages' suppression rules: each
count from 1 to threshold - 1 is hidden (``null``), and complementary cells too where a
total would give one away (people = women + men + undisclosed, of which only people,
women and youth are shown). Scores are shown only when at least ``threshold`` sessions
gave one. Shares are shown only when both their counts are. What stays out: records,
free-text answers, owners' names, who ran the review.
"""

from __future__ import annotations

from .suppression import suppress

PERIODS = ("current", "previous")


def _people(figures: dict, threshold: int) -> dict:
    cells = {name: figures.get(name, 0) for name in ("people", "women", "men", "undisclosed", "youth")}
    lines = [("people", ["women", "men", "undisclosed"])]
    masked = suppress(cells, lines, threshold, hidden={"men", "undisclosed"})
    out = {name: (None if name in masked else cells[name]) for name in ("people", "women", "youth")}
    sessions = figures.get("sessions", 0)
    out["sessions"] = None if 0 < sessions < threshold else sessions
    out["scores"] = {
        name: score["mean"]
        for name, score in (figures.get("scores") or {}).items()
        if score["n"] >= threshold
    }
    return out


def _small(value: int, threshold: int) -> int | None:
    return None if 0 < value < threshold else value


def _evidence(found: dict, threshold: int) -> dict:
    mentions = _small(found["mentions"], threshold)
    sessions = _small(found["sessions"], threshold)
    return {
        "sessions": sessions,
        "mentions": mentions,
        "share": found["share"] if mentions is not None and sessions is not None else None,
        "women": _small(found["women"], threshold),
        "youth": _small(found["youth"], threshold),
        "by_concern": {c: _small(n, threshold) for c, n in found["by_concern"].items()},
    }


def shared_export(review: dict, decisions: dict[int, dict], added: list[dict], threshold: int) -> dict:
    snapshot = review["snapshot"]
    plan = snapshot["plan"]
    return {
        "format": "survey-app.plan-review",
        "format_version": 1,
        "threshold": threshold,
        "plan": {k: plan[k] for k in ("title", "areas", "period_start", "period_end", "review_dates")},
        "review": {
            "period": snapshot["period"],
            "previous": snapshot["previous"],
            "surveys": snapshot["surveys"],
        },
        "areas": {
            area: {p: _people(figures[p], threshold) for p in PERIODS}
            for area, figures in snapshot["area_figures"].items()
        },
        "actions": [
            {
                "title": action["title"],
                "status": action["status"],
                "concerns": action["concerns"],
                "areas": action["areas"],
                "partners": action["partners"],
                "start_date": action["start_date"],
                "due_date": action["due_date"],
                "last_note": action["last_note"],
                "decision": (decisions.get(action["id"]) or {}).get("decision"),
                "decision_note": (decisions.get(action["id"]) or {}).get("note"),
                "evidence": {
                    area: {p: _evidence(found[p], threshold) for p in PERIODS}
                    for area, found in action["evidence"].items()
                },
            }
            for action in snapshot["actions"]
        ],
        "added": [{"note": row["note"]} for row in added],
    }
