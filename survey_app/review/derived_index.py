"""Keep the coordinators' derived index up to date when they read it, not when phones sync.

The derived index (migration m0004) is ``submission_facts``, ``submission_networks``,
``facts_concern_codes`` and the full-text ``submission_search``. m0004 filled it for each
new record with an AFTER INSERT trigger, inside the sync write transaction, where it
cost seven times the insert itself. Migration m0005 dropped that trigger: a sync now
only stores the record, and ``catch_up`` indexes what arrived since it last ran, with
the same SQL the trigger ran (copied below, so later changes to this module never
change what the frozen migrations do). m0004's UPDATE and DELETE triggers still keep
indexed records in step; an update of a record not indexed yet is harmless, because
``catch_up`` indexes a record as it is when it runs.

``derived_index_watermark`` holds the highest ``submissions.rowid`` indexed. The app
never deletes a submission, so rowids only grow and everything above the watermark is
new. With nothing pending, ``catch_up`` is one read of two indexed values and takes no
lock; otherwise it indexes in chunks, one ``BEGIN IMMEDIATE`` transaction each, so a
sync waits for at most one chunk.

Where it runs, so that coordinators always see every stored record:

* ``refresh_before_read``: the ``before_request`` of the ``coordinator``, ``dashboard``
  and ``review`` blueprints (submissions list and detail, dashboard, summary API, review
  queues), for GET requests of a user the route admits (nobody else makes us index);
* ``exports.service.prepare``: every export, the HTTP download and ``survey-app export``,
  just before it opens its read snapshot.

A new reader of these tables must come through one of these, or call ``catch_up``.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from sqlite_utils import Database

from ..auth.access import allowed_roles
from ..db import get_db, write_transaction
from ..storedjson import for_index

CHUNK = 2000  # records per transaction: about 0.5 s of write lock at most

# The submissions columns the index SQL reads (as ``:name`` parameters).
COLUMNS = [
    "id",
    "survey_id",
    "version",
    "data",
    "received_at",
    "source",
    "link_id",
    "submitted_by",
    "review_state",
    "validation",
    "has_conflict",
]


def pending(db: Database) -> bool:
    """True when a stored record is not indexed yet (two index lookups, no lock)."""
    row = db.execute(
        "SELECT (SELECT max(rowid) FROM submissions)"
        " > (SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1)"
    ).fetchone()
    return bool(row[0])


def catch_up(db: Database) -> int:
    """Index every record stored since the last catch-up; return how many were indexed."""
    indexed = 0
    while pending(db):
        with write_transaction(db):
            done, more = _index_chunk(db)
        indexed += done
        if not more:
            break
    return indexed


def refresh_before_read() -> None:
    """``before_request`` for the blueprints that read the index (see the module doc)."""
    if request.method not in ("GET", "HEAD") or not current_user.is_authenticated:
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    roles = allowed_roles(view) if view else None
    if roles and (current_user.role == "admin" or current_user.role in roles):
        catch_up(get_db())


def _index_chunk(db: Database) -> tuple[int, bool]:
    """Index up to CHUNK records above the watermark (inside the caller's transaction).

    Returns (records indexed, whether more may be pending). The watermark is read again
    under the write lock: another worker may have indexed them a moment ago.
    """
    mark = db.execute("SELECT indexed_rowid FROM derived_index_watermark WHERE id = 1").fetchone()[0]
    rows = db.execute(
        f"SELECT s.rowid, EXISTS (SELECT 1 FROM submission_facts f WHERE f.submission_id = s.id),"
        f" {', '.join('s.' + c for c in COLUMNS)} FROM submissions s WHERE s.rowid > ?"
        " ORDER BY s.rowid LIMIT ?",
        [mark, CHUNK],
    ).fetchall()
    if not rows:
        return 0, False
    # A record already in the index is never indexed twice (it would be counted twice).
    records = [dict(zip(COLUMNS, row[2:], strict=True)) for row in rows if not row[1]]
    for record in records:  # answers with a lone surrogate: index a cleaned copy (storedjson)
        record["data"] = for_index(record["data"])
    if records:
        _index(db, records)
    db.execute("UPDATE derived_index_watermark SET indexed_rowid = ? WHERE id = 1", [rows[-1][0]])
    return len(records), len(rows) == CHUNK


def _index(db: Database, records: list[dict]) -> None:
    """What the insert trigger did for each record, in the order they were stored."""
    before = db.execute("SELECT COALESCE(max(fid), 0) FROM submission_facts").fetchone()[0]
    db.conn.executemany(_params(_insert_facts("new")), records)
    # New concern names get codes in the order the trigger gave them (record, then
    # answer order); only then are the bits of these records final.
    added = db.conn.execute(
        "INSERT OR IGNORE INTO facts_concern_codes (name) SELECT e.value FROM submission_facts f,"
        " json_each(COALESCE(f.concerns, '[]')) e WHERE f.fid > ? AND e.type = 'text'"
        " AND length(e.value) <= 100 ORDER BY f.fid, e.key",
        [before],
    ).rowcount
    if added > 0:
        db.execute(f"UPDATE submission_facts SET concern_bits = {_bits('concerns')} WHERE fid > ?", [before])
    for statement in (_insert_networks("new"), _index_text("new")):
        db.conn.executemany(_params(statement), records)


def _params(sql: str) -> str:
    """The trigger's ``new.<column>`` as named parameters, one run per record."""
    return sql.replace("new.", ":")


# --- The SQL of m0004's insert trigger (copied from migrations/m0004_review.py) ---------
# Keep in step with the UPDATE triggers of m0004 (and any migration that replaces them).

# The answers read into submission_facts, in the order of the json_extract paths.
FACT_PATHS = [
    "session_date",
    "district",
    "neighbourhood",
    "ward",
    "session_type",
    "member_group",
    "women",
    "men",
    "undisclosed",
    "youth",
    "trust_local_gov",
    "trust_police",
    "trust_city_act",
    "feel_safe",
    "safeguarding_flag",
    "concerns",
    "biggest_concerns",
]
DATA_COLUMNS = [
    "session_date",
    "day",
    "month",
    "area",
    "ward",
    "kind",
    "women",
    "men",
    "undisclosed",
    "people",
    "youth",
    "trust_local_gov",
    "trust_police",
    "trust_city",
    "feel_safe",
    "safeguarding",
    "concerns",
    "concern_bits",
]
META_COLUMNS = [
    "submission_id",
    "survey_id",
    "version",
    "received_at",
    "by_link",
    "submitted_by",
    "review_state",
    "validation",
    "has_conflict",
]


def _valid(ref: str, fallback: str = "NULL") -> str:
    """The answers if they are strict JSON (a cheap ``instr`` clears nearly all), else ``fallback``."""
    data = f"{ref}.data"
    return (
        f"CASE WHEN (instr({data}, 'NaN') = 0 AND instr({data}, 'Infinity') = 0) OR json_valid({data})"
        f" THEN {data} ELSE {fallback} END"
    )


def _bits(concerns: str) -> str:
    """``concern_bits`` of a concerns JSON array: one bit per coded name."""
    return (
        "COALESCE((SELECT sum(1 << (code - 1)) FROM (SELECT DISTINCT c.code FROM"
        f" json_each(COALESCE({concerns}, '[]')) e JOIN facts_concern_codes c ON c.name = e.value"
        " WHERE e.type = 'text' AND c.code <= 62)), 0)"
    )


def _data_select(ref: str) -> str:
    """A SELECT of DATA_COLUMNS for ``<ref>.data``, each answer read from it once.

    ``LIMIT 1 OFFSET 0`` keeps SQLite from flattening the nested steps, which would
    parse the same values again for every place they are used.
    """
    keep = "LIMIT 1 OFFSET 0"
    paths = ", ".join(f"'$.{name}'" for name in FACT_PATHS)
    raw = ", ".join(
        f"v -> '$[{i}]' AS {name}"
        if name in ("concerns", "biggest_concerns")
        else f"v ->> '$[{i}]' AS {name}"
        for i, name in enumerate(FACT_PATHS)
    )

    def text(name: str) -> str:
        return f"CASE WHEN typeof({name}) = 'text' THEN {name} END"

    def number(name: str) -> str:
        return f"CASE WHEN typeof({name}) IN ('integer', 'real') THEN {name} END"

    typed = ", ".join(
        [
            f"{text('session_date')} AS session_date",
            f"COALESCE({text('district')}, NULLIF(lower(trim({text('neighbourhood')})), '')) AS area",
            f"{text('ward')} AS ward",
            f"COALESCE({text('session_type')}, {text('member_group')}) AS kind",
            *(f"{number(n)} AS {n}" for n in ("women", "men", "undisclosed", "youth")),
            *(
                f"{number(n)} AS {n}"
                for n in ("trust_local_gov", "trust_police", "trust_city_act", "feel_safe")
            ),
            "COALESCE(safeguarding_flag = 'yes', 0) AS safeguarding",
            "COALESCE(NULLIF(concerns, 'null'), NULLIF(biggest_concerns, 'null')) AS concerns",
        ]
    )
    day = (
        "CASE WHEN session_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
        f" THEN substr(session_date, 1, 10) ELSE substr({ref}.received_at, 1, 10) END"
    )
    dated = f"t.*, {day} AS day"
    final = ", ".join(
        [
            "session_date",
            "day",
            "substr(day, 1, 7)",
            "area",
            "ward",
            "kind",
            "women",
            "men",
            "undisclosed",
            "COALESCE(women, 0) + COALESCE(men, 0) + COALESCE(undisclosed, 0)",
            "youth",
            "trust_local_gov",
            "trust_police",
            "trust_city_act",
            "feel_safe",
            "safeguarding",
            "concerns",
            _bits("concerns"),
        ]
    )
    extracted = f"SELECT json_extract({_valid(ref)}, {paths}) AS v"
    return (
        f"SELECT {final} FROM (SELECT {dated} FROM (SELECT {typed} FROM (SELECT {raw} FROM ({extracted})"
        f" {keep}) {keep}) t {keep})"
    )


def _meta_values(ref: str) -> str:
    return (
        f"{ref}.id, {ref}.survey_id, {ref}.version, {ref}.received_at,"
        f" ({ref}.link_id IS NOT NULL OR {ref}.source = 'link'), {ref}.submitted_by,"
        f" {ref}.review_state, {ref}.validation, {ref}.has_conflict"
    )


def _insert_facts(ref: str) -> str:
    columns = ", ".join(META_COLUMNS + DATA_COLUMNS)
    select = _data_select(ref)
    return f"INSERT INTO submission_facts ({columns}) SELECT {_meta_values(ref)}, d.* FROM ({select}) d"


def _index_text(ref: str) -> str:
    """Add a record's text leaves (free text, choice names, dates) to the search index."""
    answers = _valid(ref, "'null'")
    body = f"(SELECT group_concat(value, ' ') FROM json_tree({answers}) WHERE type = 'text')"
    return (
        f"INSERT INTO submission_search (rowid, body) SELECT fid, body FROM (SELECT f.fid AS fid,"
        f" {body} AS body FROM submission_facts f WHERE f.submission_id = {ref}.id) WHERE body IS NOT NULL"
    )


def _insert_networks(ref: str) -> str:
    """One row per object in ``<ref>.data -> networks`` (anything else is skipped)."""
    answers = _valid(ref, "'{}'")
    name = "NULLIF(trim(json_extract(e.value, '$.org_name')), '')"
    return (
        "INSERT INTO submission_networks (fid, entry, survey_id, area, org_type, could_partner,"
        " org_key, org_name) SELECT f.fid, e.key, f.survey_id, f.area, json_extract(e.value, '$.org_type'),"
        f" json_extract(e.value, '$.could_partner'), lower({name}), {name}"
        f" FROM submission_facts f, json_each({answers}, '$.networks') e"
        f" WHERE f.submission_id = {ref}.id AND e.type = 'object'"
        f" AND instr({ref}.data, '\"networks\":') > 0"
    )
