"""A dashboard for any form, built from its definition alone, question by question.

Like KoboToolbox's reports: select questions give counts per choice (labels in the
chosen language), numbers give n, mean, median, min and max, dates give records per
month, text gives how many answered (the page links to the search). Everything can be
broken down by month or by any select question (``by``). The input is
``submission_answers`` (one row per answered top-level question, filled by the derived
index), filtered with the same ``Filters`` as everything else.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from sqlite_utils import Database

from ..records.filters import Filters
from ..surveys.registry import get_definition, list_versions
from ..surveys.schema import walk

CHOICES = {"select_one", "select_multiple"}
NUMBERS = {"integer", "decimal", "range"}
DATES = {"date", "datetime", "today"}
TEXT = {"text"}


def breakdown_options(db: Database, survey_id: str) -> list[str]:
    """What a summary may be broken down by: ``month`` and every top-level select question."""
    return ["month", *(name for name, kind in ordered_questions(db, survey_id) if kind in CHOICES)]


def ordered_questions(db: Database, survey_id: str) -> list[tuple[str, str]]:
    """(name, type) of every top-level question, in the newest version's order first."""
    seen: dict[str, str] = {}
    for version in reversed(list_versions(db, survey_id)):
        definition = get_definition(db, survey_id, version) or {}
        repeats = {
            child["name"]
            for q in walk(definition.get("questions") or [])
            if q.get("type") == "repeat"
            for child in walk(q.get("questions") or [])
        }
        for q in walk(definition.get("questions") or []):
            kind = q.get("type")
            if kind in CHOICES | NUMBERS | DATES | TEXT and q["name"] not in repeats:
                seen.setdefault(q["name"], kind)
    return list(seen.items())


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 2),
        "median": round(statistics.median(values), 2),
        "min": _plain(min(values)),
        "max": _plain(max(values)),
    }


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def question_summaries(
    db: Database, filters: Filters, labels, include: str = "accepted", by: str | None = None
) -> list[dict[str, Any]]:
    """One entry per question (see the module doc), in the form's order."""
    where, params = filters.where("f")
    if include != "all":
        where += " AND f.validation = 'valid' AND f.review_state != 'rejected'"
    if by == "month":
        group, join, join_params = "f.month", "", []
    elif by:
        group = "b.value"
        join = "JOIN submission_answers b ON b.fid = a.fid AND b.survey_id = a.survey_id AND b.question = ?"
        join_params = [by]
    else:
        group, join, join_params = "NULL", "", []
    base = (
        f"FROM submission_answers a {join} JOIN submission_facts f ON f.fid = a.fid"
        f" WHERE a.survey_id = ? AND {where}"
    )
    args = [*join_params, filters.survey_id, *params]
    answered = dict(db.execute(f"SELECT a.question, count(DISTINCT a.fid) {base} GROUP BY 1", args))
    counted: dict[str, dict[Any, dict[Any, int]]] = defaultdict(lambda: defaultdict(dict))
    for question, value, grp, n in db.execute(
        f"SELECT a.question, a.value, {group}, count(*) {base} AND a.value IS NOT NULL GROUP BY 1, 2, 3", args
    ):
        counted[question][value][grp] = n
    numbers: dict[str, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for question, value, grp in db.execute(
        f"SELECT a.question, a.number, {group} {base} AND a.number IS NOT NULL", args
    ):
        numbers[question][grp].append(value)

    out = []
    for name, kind in ordered_questions(db, filters.survey_id):
        entry: dict[str, Any] = {
            "question": name,
            "label": labels.question(name),
            "type": kind,
            "answered": int(answered.get(name, 0)),
        }
        if kind in CHOICES:
            names = labels.choices(name)
            extra = sorted((v for v in counted.get(name, {}) if v not in names), key=str)
            entry["choices"] = [
                {
                    "value": value,
                    "label": labels.choice(name, value),
                    "records": sum(counted.get(name, {}).get(value, {}).values()),
                    "by": _by(counted.get(name, {}).get(value, {}), by),
                }
                for value in names + extra
            ]
        elif kind in NUMBERS:
            groups = numbers.get(name, {})
            entry["stats"] = _stats([v for vs in groups.values() for v in vs])
            if by:
                entry["by"] = [{"group": g, **_stats(vs)} for g, vs in sorted(groups.items(), key=_key)]
        elif kind in DATES:
            months = counted.get(name, {})
            entry["months"] = [
                {"month": month, "records": sum(g.values()), "by": _by(g, by)}
                for month, g in sorted(months.items())
            ]
        out.append(entry)
    return out


def _key(item: tuple) -> str:
    return "" if item[0] is None else str(item[0])


def _by(groups: dict[Any, int], by: str | None) -> dict[str, int]:
    if not by:
        return {}
    return {("" if g is None else str(g)): n for g, n in sorted(groups.items(), key=_key)}
