"""What the listening said, as aggregate figures per area, over a period.

Read from the derived index (``submission_facts``, through ``records.source``): sessions
(records) per area, people, women, youth, the mean trust and safety scores the surveys
ask, and for a set of concerns the sessions that raised at least one of them (with the
women and youth in those sessions) and how many raised each. Only records that count as
evidence are read (valid, not rejected). Days are the session date, else the day the
record arrived. No answer JSON is parsed and nothing record-level leaves this module.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlite_utils import Database

from ..records.source import COUNTED, dashboard_block, number_columns

# The counts a plan's figures always carry (0 where no survey counts them): records, the
# people reached, and the people parts and sub-counts plan reports show. Each is read
# from the facts column the survey's dashboard block gives that number (number_columns),
# never from a column named after a question; a survey whose block has other people
# numbers adds them to its figures too.
COUNTS = ("sessions", "people", "women", "men", "undisclosed", "youth")


def _numbers(db: Database, survey_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(figure name, facts column) of the survey's people numbers, and of its scores."""
    block = dashboard_block(db, survey_id)
    columns = number_columns(db, survey_id)
    people = [(n, columns[n]) for n in dict.fromkeys(block.parts + block.among) if n in columns]
    scores = [(n, columns[n]) for n in dict.fromkeys(block.scores) if n in columns]
    return people, scores


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

    Records with no area are under the key ``""``. Each survey is read with its own
    number columns (they differ between surveys), then the sums are added up.
    """
    totals: dict[str, dict] = {}
    for survey_id in dict.fromkeys(surveys):
        where, params = _where([survey_id], start, end)
        people, scores = _numbers(db, survey_id)
        sums = "".join(f", total(f.{col})" for _, col in people)
        sums += "".join(f", total(f.{col}), count(f.{col})" for _, col in scores)
        rows = db.execute(
            f"SELECT COALESCE(f.area, ''), count(*), total(f.people){sums} FROM submission_facts f"
            f" WHERE {where} GROUP BY COALESCE(f.area, '')",
            params,
        ).fetchall()
        for row in rows:
            area = totals.setdefault(row[0], {"counts": dict.fromkeys(COUNTS, 0.0), "scores": {}})
            counts = area["counts"]
            counts["sessions"] += row[1]
            counts["people"] += row[2] or 0
            for i, (name, _) in enumerate(people):
                counts[name] = counts.get(name, 0.0) + (row[3 + i] or 0)
            at = 3 + len(people)
            for i, (name, _) in enumerate(scores):
                total, n = row[at + 2 * i], row[at + 2 * i + 1]
                if n:
                    score = area["scores"].setdefault(name, [0.0, 0])
                    score[0] += total
                    score[1] += n
    found = {}
    for area, sums in totals.items():
        figures = {name: _number(value) for name, value in sums["counts"].items()}
        figures["scores"] = {
            name: {"mean": round(total / n, 2), "n": n} for name, (total, n) in sums["scores"].items()
        }
        found[area] = figures
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
    for survey_id in dict.fromkeys(surveys):
        one, one_params = _where([survey_id], start, end)
        people, _ = _numbers(db, survey_id)
        sums = "".join(f", total(f.{col})" for _, col in people)
        for row in db.execute(
            f"SELECT COALESCE(f.area, ''), count(*){sums} FROM submission_facts f"
            f" WHERE {one} AND {raising} GROUP BY COALESCE(f.area, '')",
            [*one_params, *concerns],
        ).fetchall():
            area = found.setdefault(row[0], {"mentions": 0, "people": {}, "by_concern": {}})
            area["mentions"] += row[1]
            for i, (name, _) in enumerate(people):
                area["people"][name] = area["people"].get(name, 0.0) + (row[2 + i] or 0)
    for area in found.values():
        counted = area.pop("people")
        for name in COUNTS[2:]:
            area[name] = _number(counted.pop(name, 0))
        area.update({name: _number(value) for name, value in counted.items()})
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
