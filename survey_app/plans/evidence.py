"""What the listening said, as aggregate figures per area, over a period.

Read from the derived index (``submission_facts``, through ``records_source``): sessions
(records) per area, people, women, youth, the mean trust and safety scores the surveys
ask, and for a set of concerns the sessions that raised at least one of them (with the
women and youth in those sessions) and how many raised each. Only records that count as
evidence are read (valid, not rejected). Days are the session date, else the day the
record arrived. No answer JSON is parsed and nothing record-level leaves this module.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from ..records_source import COUNTED

# (column of submission_facts, name in the figures): the scores some surveys ask.
SCORES = (
    ("trust_local_gov", "trust_local_gov"),
    ("trust_police", "trust_police"),
    ("feel_safe", "feel_safe"),
    ("trust_city", "trust_city_act"),
)
COUNTS = ("sessions", "people", "women", "men", "undisclosed", "youth")


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same length that ends the day before ``start``.

    Whole months compare with as many whole months (April-June with January-March);
    any other period with the same number of days.
    """
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    before = first - timedelta(days=1)
    if first.day == 1 and (last + timedelta(days=1)).day == 1:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        index = first.year * 12 + first.month - 1 - months
        return date(index // 12, index % 12 + 1, 1).isoformat(), before.isoformat()
    return (before - timedelta(days=(last - first).days)).isoformat(), before.isoformat()


def _where(surveys: list[str], start: str | None, end: str | None) -> tuple[str, list]:
    marks = ", ".join("?" for _ in surveys) or "NULL"
    sql, params = f"f.survey_id IN ({marks}) AND {COUNTED}", list(surveys)
    if start:
        sql += " AND f.day >= ?"
        params.append(start)
    if end:
        sql += " AND f.day <= ?"
        params.append(end)
    return sql, params


def _number(value) -> int:
    return int(round(value or 0))


def area_figures(db: Database, surveys: list[str], start: str | None, end: str | None) -> dict[str, dict]:
    """Area -> sessions, people, women, men, undisclosed, youth and scores (mean, n).

    Records with no area are under the key ``""``.
    """
    where, params = _where(surveys, start, end)
    scores = ", ".join(f"avg(f.{col}), count(f.{col})" for col, _ in SCORES)
    rows = db.execute(
        f"SELECT COALESCE(f.area, ''), count(*), total(f.people), total(f.women), total(f.men),"
        f" total(f.undisclosed), total(f.youth), {scores} FROM submission_facts f WHERE {where}"
        " GROUP BY COALESCE(f.area, '')",
        params,
    ).fetchall()
    found = {}
    for row in rows:
        figures = {name: _number(value) for name, value in zip(COUNTS, row[1:7], strict=True)}
        figures["scores"] = {
            name: {"mean": round(row[7 + 2 * i], 2), "n": row[8 + 2 * i]}
            for i, (_, name) in enumerate(SCORES)
            if row[8 + 2 * i]
        }
        found[row[0]] = figures
    return found


def concern_figures(
    db: Database, surveys: list[str], start: str | None, end: str | None, concerns: list[str]
) -> dict[str, dict]:
    """Area -> sessions raising any of ``concerns`` (``mentions``), their women and youth,
    and ``by_concern``: sessions raising each one."""
    if not concerns:
        return {}
    where, params = _where(surveys, start, end)
    marks = ", ".join("?" for _ in concerns)
    raising = f"EXISTS (SELECT 1 FROM json_each(COALESCE(f.concerns, '[]')) e WHERE e.value IN ({marks}))"
    found: dict[str, dict] = {}
    for area, mentions, women, youth in db.execute(
        f"SELECT COALESCE(f.area, ''), count(*), total(f.women), total(f.youth) FROM submission_facts f"
        f" WHERE {where} AND {raising} GROUP BY COALESCE(f.area, '')",
        [*params, *concerns],
    ).fetchall():
        found[area] = {
            "mentions": mentions,
            "women": _number(women),
            "youth": _number(youth),
            "by_concern": {},
        }
    for area, concern, count in db.execute(
        f"SELECT COALESCE(f.area, ''), e.value, count(DISTINCT f.fid) FROM submission_facts f,"
        f" json_each(COALESCE(f.concerns, '[]')) e WHERE {where} AND e.value IN ({marks})"
        " GROUP BY COALESCE(f.area, ''), e.value",
        [*params, *concerns],
    ).fetchall():
        found[area]["by_concern"][concern] = count
    return found


def all_concerns(db: Database, surveys: list[str], start: str | None, end: str | None) -> dict[str, dict]:
    """Area -> concern -> sessions raising it (every concern, for the public page)."""
    where, params = _where(surveys, start, end)
    found: dict[str, dict] = {}
    for area, concern, count in db.execute(
        f"SELECT COALESCE(f.area, ''), e.value, count(DISTINCT f.fid) FROM submission_facts f,"
        f" json_each(COALESCE(f.concerns, '[]')) e WHERE {where} AND e.type = 'text'"
        " GROUP BY COALESCE(f.area, ''), e.value",
        params,
    ).fetchall():
        found.setdefault(area, {})[concern] = count
    return found
