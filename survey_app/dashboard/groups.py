"""The dashboard's grouped sums: from the roll-up (migration m0019) when it can answer, else
from the derived index row by row. Both give the same rows, so the numbers are the same.

The roll-up holds one row per group of ``GROUP_KEYS`` (about 2,500 at 100,000 records),
kept exact by triggers on the index. It answers any filter on those keys alone (review
state, validation, area, kind, source, safeguarding, conflict). A search (``q=``) that
matches more than half of the records is answered as the roll-up minus the records it
does not match, which are fewer: counting those costs a fraction of counting the matches. Any other filter
(dates, version, facilitator, link, sub-area, answers) reads ``submission_facts``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from ..records.filters import Filters, fts_query

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
# The records a search leaves out, driven from their list (a primary-key lookup each).
OUTSIDE = "json_each(?) j CROSS JOIN submission_facts f ON f.fid = j.value"


@contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """Run the enclosed reads in one read transaction (unless one is open already).

    The roll-up minus the records a search leaves out must come from the same moment.
    """
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN")  # deferred: a read snapshot, no lock taken
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


@dataclass
class Source:
    """Where one summary's numbers come from (``source`` decides, once per summary).

    ``how``: ``rollup``, ``complement`` (the roll-up for ``base``, the filters without
    ``q``, minus the records in ``outside``, a JSON list of their ``fid``) or ``direct``.
    """

    filters: Filters
    how: str
    base: Filters | None = None
    outside: str | None = None


def source(db: Database, filters: Filters) -> Source:
    """The cheapest way to count ``filters`` exactly (see the module doc)."""
    given = set(filters.as_dict())
    if given <= ROLLUP_FILTERS:
        return Source(filters, "rollup", filters)
    if given <= ROLLUP_FILTERS | {"q"}:
        base = replace(filters, q=None)
        where, params = base.where("r")
        total = db.execute(f"SELECT total(r.records) FROM facts_rollup r WHERE {where}", params).fetchone()[0]
        # The records the search leaves out, up to half of them: one pass, no count first.
        where, params = base.where("f")
        limit = int(total) // 2 + 1
        outside = [
            row[0]
            for row in db.execute(
                f"SELECT f.fid FROM submission_facts f WHERE {where} AND {NOT_MATCHING} LIMIT ?",
                [*params, fts_query(filters.q), limit],
            )
        ]
        if len(outside) < limit:
            return Source(filters, "complement", base, json.dumps(outside))
    return Source(filters, "direct")


def group_rows(
    db: Database,
    src: Source,
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
    if src.how == "direct":
        return _direct(db, src.filters, counts, scores, slots, concern_sql)
    rolled = _rollup(db, src.base, counts, scores, slots, concern_names)
    if src.how == "rollup":
        return list(rolled.values())
    width = len(GROUP_KEYS)
    for row in _direct(db, src.base, counts, scores, slots, concern_sql, src.outside):
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
    outside: str | None = None,
) -> list[tuple[Any, ...]]:
    where, params = filters.where("f")
    tables = "submission_facts f"
    if outside is not None:
        tables, params = OUTSIDE, [outside, *params]
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
        f"SELECT {', '.join(sql_columns)} FROM {tables} WHERE {where}"
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
        *(f"r.{key}" for key in GROUP_KEYS),
        "r.records",
        *(sums[c] for c in counts),
        *(f"{sums[s]}, r.c{slots[s][1:]}" for s in scores),
    ]
    # Each concern's count per group: a primary-key lookup per group and concern.
    raised = [
        "ifnull((SELECT c.records FROM facts_rollup_concerns c"
        " WHERE c.gkey = r.gkey AND c.name = ?), 0) * 1.0"
        for _ in concern_names
    ]
    width = len(GROUP_KEYS)
    sql = f"SELECT {', '.join(columns + raised)} FROM facts_rollup r WHERE {where}"
    return {row[:width]: row for row in db.execute(sql, [*concern_names, *params])}


def network_rows(db: Database, src: Source, include: str) -> list[tuple[Any, ...]]:
    """``(area, entry kind, partner, name key, entries)`` of the filtered records' networks."""
    accepted = " AND f.validation = 'valid' AND f.review_state != 'rejected'" if include != "all" else ""
    if src.how == "direct":
        where, params = src.filters.where("f")
        return db.execute(
            "SELECT n.area, n.kind, n.partner, n.name_key, count(*)"
            " FROM submission_networks n WHERE n.survey_id = ?"
            f" AND n.fid IN (SELECT f.fid FROM submission_facts f WHERE {where}{accepted})"
            " GROUP BY 1, 2, 3, 4",
            [src.filters.survey_id, *params],
        ).fetchall()
    where, params = src.base.where("r")
    rows = db.execute(
        "SELECT r.area, r.entry_kind, r.partner, r.name_key, sum(r.entries) FROM facts_rollup_networks r"
        f" WHERE {where}{accepted.replace('f.', 'r.')} GROUP BY 1, 2, 3, 4",
        params,
    ).fetchall()
    if src.how == "rollup":
        return rows
    where, params = src.base.where("f")
    outside = {
        row[:4]: row[4]
        for row in db.execute(
            f"SELECT n.area, n.kind, n.partner, n.name_key, count(*) FROM {OUTSIDE}"
            f" JOIN submission_networks n ON n.fid = f.fid WHERE {where}{accepted} GROUP BY 1, 2, 3, 4",
            [src.outside, *params],
        )
    }
    left = [(*row[:4], row[4] - outside.get(row[:4], 0)) for row in rows]
    return [row for row in left if row[4] > 0]
