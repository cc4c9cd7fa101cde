"""The dashboard's grouped sums: from the roll-up (migration m0019) when it can answer, else
from the derived index row by row. Both give the same rows, so the numbers are the same.

The roll-up holds one row per group of ``GROUP_KEYS`` (about 2,500 at 100,000 records),
kept exact by triggers on the index. It answers any filter on those keys alone (review
state, validation, area, kind, source, safeguarding, conflict). A search (``q=``) that
matches most records is answered as the roll-up minus the records it does not match,
which are few: counting those costs a tenth of counting the matches. Any other filter
(dates, version, facilitator, link, sub-area, answers) reads ``submission_facts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlite_utils import Database

from ..review.filters import Filters, fts_query

GROUP_KEYS = (
    "month",
    "area",
    "kind",
    "review_state",
    "validation",
    "by_link",
    "safeguarding",
    "has_conflict",
)
# Filters the roll-up can apply (each one is a column of the roll-up tables).
ROLLUP_FILTERS = {"survey_id", "area", "type", "state", "validation", "source", "safeguarding", "conflict"}
NOT_MATCHING = "f.fid NOT IN (SELECT rowid FROM submission_search WHERE submission_search MATCH ?)"


def plan(db: Database, filters: Filters) -> tuple[str, Filters | None]:
    """How to count: ``("rollup", None)``, ``("complement", filters without q)`` or
    ``("direct", None)``."""
    given = set(filters.as_dict())
    if given <= ROLLUP_FILTERS:
        return "rollup", None
    if given <= ROLLUP_FILTERS | {"q"}:
        base = replace(filters, q=None)
        where, params = base.where("r")
        total = db.execute(f"SELECT total(r.records) FROM facts_rollup r WHERE {where}", params).fetchone()[0]
        matches = db.execute(
            "SELECT count(*) FROM submission_search WHERE submission_search MATCH ?", [fts_query(filters.q)]
        ).fetchone()[0]
        if matches * 2 > total:
            return "complement", base
    return "direct", None


def group_rows(
    db: Database,
    filters: Filters,
    counts: list[str],
    scores: list[str],
    slots: dict[str, str],
    concern_names: list[str],
    concern_sql: tuple[list[str], list[str]],
) -> Iterable[tuple[Any, ...]]:
    """Rows of ``(*GROUP_KEYS, records, *count sums, *(score sum, score n), *concern counts)``.

    ``counts`` are ``people`` or number questions, ``scores`` number questions, both
    placed by ``slots`` (question -> ``n3``); ``concern_sql`` the direct aggregates for
    ``concern_names`` (see summary._concern_columns).
    """
    how, base = plan(db, filters)
    if how == "direct":
        return _direct(db, filters, counts, scores, slots, concern_sql)
    rolled = _rollup(db, base or filters, counts, scores, slots, concern_names)
    if how == "rollup":
        return list(rolled.values())
    width = len(GROUP_KEYS)
    for row in _direct(db, base, counts, scores, slots, concern_sql, NOT_MATCHING, [fts_query(filters.q)]):
        key = row[:width]
        have = rolled.get(key)
        if have is None:  # cannot happen while the roll-up is exact; never count below zero
            continue
        rolled[key] = key + tuple(a - b for a, b in zip(have[width:], row[width:], strict=True))
    return [row for row in rolled.values() if row[width]]


def _direct(
    db: Database,
    filters: Filters,
    counts: list[str],
    scores: list[str],
    slots: dict[str, str],
    concern_sql: tuple[list[str], list[str]],
    extra: str = "",
    extra_params: list[Any] = (),
) -> list[tuple[Any, ...]]:
    where, params = filters.where("f")
    if extra:
        where, params = f"{where} AND {extra}", [*params, *extra_params]
    column = {"people": "f.people", **{n: f"f.{slots[n]}" for n in [*counts, *scores] if n in slots}}
    concern_columns, concern_params = concern_sql
    sql_columns = [
        *(f"f.{key}" for key in GROUP_KEYS),
        "count(*)",
        *(f"total({column[c]})" for c in counts),
        *(f"total({column[s]}), count({column[s]})" for s in scores),
        *concern_columns,
    ]
    sql = (
        f"SELECT {', '.join(sql_columns)} FROM submission_facts f WHERE {where}"
        f" GROUP BY {', '.join(f'f.{k}' for k in GROUP_KEYS)}"
    )
    return db.execute(sql, concern_params + params).fetchall()


def _rollup(
    db: Database,
    filters: Filters,
    counts: list[str],
    scores: list[str],
    slots: dict[str, str],
    concern_names: list[str],
) -> dict[tuple, tuple[Any, ...]]:
    """The same rows as ``_direct``, read from the roll-up, by their group keys."""
    where, params = filters.where("r")
    sums = {"people": "r.people", **{n: "r.s" + slots[n][1:] for n in [*counts, *scores] if n in slots}}
    columns = [
        "r.gkey",
        *(f"r.{key}" for key in GROUP_KEYS),
        "r.records",
        *(sums[c] for c in counts),
        *(f"{sums[s]}, r.c{slots[s][1:]}" for s in scores),
    ]
    concerns: dict[str, dict[str, int]] = {}
    if concern_names:
        wanted = set(concern_names)
        for gkey, name, records in db.execute(
            "SELECT c.gkey, c.name, c.records FROM facts_rollup_concerns c JOIN facts_rollup r"
            f" ON r.gkey = c.gkey WHERE {where}",
            params,
        ):
            if name in wanted:
                concerns.setdefault(gkey, {})[name] = records
    width = len(GROUP_KEYS)
    out = {}
    for row in db.execute(f"SELECT {', '.join(columns)} FROM facts_rollup r WHERE {where}", params):
        raised = concerns.get(row[0], {})
        values = row[1:]
        out[values[:width]] = (*values, *(float(raised.get(name, 0)) for name in concern_names))
    return out


def network_rows(db: Database, filters: Filters, include: str) -> list[tuple[Any, ...]]:
    """``(area, entry kind, partner, name key, entries)`` of the filtered records' networks."""
    how, base = plan(db, filters)
    accepted = " AND f.validation = 'valid' AND f.review_state != 'rejected'" if include != "all" else ""
    if how == "direct":
        where, params = filters.where("f")
        return db.execute(
            "SELECT n.area, n.kind, n.partner, n.name_key, count(*)"
            " FROM submission_networks n WHERE n.survey_id = ?"
            f" AND n.fid IN (SELECT f.fid FROM submission_facts f WHERE {where}{accepted})"
            " GROUP BY 1, 2, 3, 4",
            [filters.survey_id, *params],
        ).fetchall()
    where, params = (base or filters).where("r")
    rows = db.execute(
        "SELECT r.area, r.entry_kind, r.partner, r.name_key, sum(r.entries) FROM facts_rollup_networks r"
        f" WHERE {where}{accepted.replace('f.', 'r.')} GROUP BY 1, 2, 3, 4",
        params,
    ).fetchall()
    if how == "rollup":
        return rows
    where, params = base.where("f")
    outside = {
        row[:4]: row[4]
        for row in db.execute(
            "SELECT n.area, n.kind, n.partner, n.name_key, count(*) FROM submission_facts f"
            f" JOIN submission_networks n ON n.fid = f.fid WHERE {where}{accepted} AND {NOT_MATCHING}"
            " GROUP BY 1, 2, 3, 4",
            [*params, fts_query(filters.q)],
        )
    }
    left = [(*row[:4], row[4] - outside.get(row[:4], 0)) for row in rows]
    return [row for row in left if row[4] > 0]
