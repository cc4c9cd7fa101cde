"""A roll-up of the derived index per dashboard group, kept by triggers (issue 13, item 3).

The dashboard groups ``submission_facts`` by month, area, kind, review state, validation,
link, safeguarding and conflict: some 2,500 groups at 100,000 records, but counting them
meant reading 100,000 index rows per request (0.36 s of CPU). These tables hold the same
sums already added up, one row per group:

* ``facts_rollup``: per group (``gkey``, the group's keys as a JSON array, so that a
  NULL key is a key like any other), the number of records, the sum of ``people``, and
  for each number slot ``n1``..``n12`` its sum (``s1``..) and how many records have it
  (``c1``..);
* ``facts_rollup_concerns``: per group and concern name, how many records raised it;
* ``facts_rollup_networks``: per network entry's area, kind (``entry_kind``), partner and
  name key, and its record's kind, review state, validation, link, safeguarding and
  conflict, how many entries (the networks charts, for the same filters).

Triggers on ``submission_facts`` and ``submission_networks`` keep them exact whatever
changes those tables: the indexer inserting and removing rows, and the m0018 trigger that
copies a review decision, a validation or a correction's metadata into the facts row.
A group whose count falls to zero is deleted. The tables are filled here from what is
indexed now.

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""

NUMBER_SLOTS = 12
KEYS = (
    "survey_id",
    "month",
    "area",
    "kind",
    "review_state",
    "validation",
    "by_link",
    "safeguarding",
    "has_conflict",
)
NETWORK_KEYS = ("kind", "review_state", "validation", "by_link", "safeguarding", "has_conflict")


def _gkey(row: str) -> str:
    return "json_array(" + ", ".join(f"{row}.{k}" for k in KEYS) + ")"


def _netkey(n: str, f: str) -> str:
    parts = [f"{n}.survey_id", f"{n}.area", f"{n}.kind", f"{n}.partner", f"{n}.name_key"]
    return "json_array(" + ", ".join(parts + [f"{f}.{k}" for k in NETWORK_KEYS]) + ")"


def _add_fact(row: str, sign: str) -> list[str]:
    """Statements adding (sign '+') or taking out (sign '-') one facts row."""
    sums = ["records", "people", *(f"s{i}" for i in range(1, NUMBER_SLOTS + 1))]
    sums += [f"c{i}" for i in range(1, NUMBER_SLOTS + 1)]
    values = ["1", f"ifnull({row}.people, 0)"]
    values += [f"ifnull({row}.n{i}, 0)" for i in range(1, NUMBER_SLOTS + 1)]
    values += [f"({row}.n{i} IS NOT NULL)" for i in range(1, NUMBER_SLOTS + 1)]
    columns = ["gkey", *KEYS, *sums]
    signed = [f"{sign}{v}" if sign == "-" else v for v in values]
    statements = [
        f"INSERT INTO facts_rollup ({', '.join(columns)}) VALUES ({_gkey(row)},"
        f" {', '.join(f'{row}.{k}' for k in KEYS)}, {', '.join(signed)})"
        f" ON CONFLICT (gkey) DO UPDATE SET {', '.join(f'{s} = {s} + excluded.{s}' for s in sums)};",
        # WHERE true: an INSERT ... SELECT with an upsert needs it (SQLite's parser).
        f"INSERT INTO facts_rollup_concerns (gkey, name, records) SELECT {_gkey(row)}, value, {sign}1"
        f" FROM json_each(CASE WHEN json_valid({row}.concerns) THEN {row}.concerns ELSE '[]' END) WHERE true"
        " ON CONFLICT (gkey, name) DO UPDATE SET records = records + excluded.records;",
    ]
    if sign == "-":
        statements += [
            f"DELETE FROM facts_rollup WHERE gkey = {_gkey(row)} AND records = 0;",
            f"DELETE FROM facts_rollup_concerns WHERE gkey = {_gkey(row)} AND records <= 0;",
        ]
    return statements


def _add_networks(n: str, f: str, sign: str, source: str, condition: str) -> list[str]:
    """Statements adding or taking out network entries, with their record's facts row."""
    statements = [
        "INSERT INTO facts_rollup_networks (gkey, survey_id, area, entry_kind, partner, name_key, kind,"
        " review_state, validation, by_link, safeguarding, has_conflict, entries)"
        f" SELECT {_netkey(n, f)}, {n}.survey_id, {n}.area, {n}.kind, {n}.partner, {n}.name_key,"
        f" {', '.join(f'{f}.{k}' for k in NETWORK_KEYS)}, {sign}1 FROM {source} WHERE {condition}"
        " ON CONFLICT (gkey) DO UPDATE SET entries = entries + excluded.entries;",
    ]
    if sign == "-":
        statements.append(
            f"DELETE FROM facts_rollup_networks WHERE entries = 0 AND gkey IN"
            f" (SELECT {_netkey(n, f)} FROM {source} WHERE {condition});"
        )
    return statements


def apply(db):
    slots = ", ".join(f"s{i} REAL NOT NULL DEFAULT 0" for i in range(1, NUMBER_SLOTS + 1))
    counts = ", ".join(f"c{i} INTEGER NOT NULL DEFAULT 0" for i in range(1, NUMBER_SLOTS + 1))
    statements = [
        f"""CREATE TABLE facts_rollup (
            gkey TEXT PRIMARY KEY,
            survey_id TEXT NOT NULL, month TEXT, area TEXT, kind TEXT, review_state TEXT NOT NULL,
            validation TEXT NOT NULL, by_link INTEGER NOT NULL, safeguarding INTEGER NOT NULL,
            has_conflict INTEGER NOT NULL,
            records INTEGER NOT NULL DEFAULT 0, people REAL NOT NULL DEFAULT 0, {slots}, {counts}
        )""",
        "CREATE INDEX facts_rollup_survey ON facts_rollup (survey_id)",
        """CREATE TABLE facts_rollup_concerns (
            gkey TEXT NOT NULL,
            name TEXT NOT NULL,
            records INTEGER NOT NULL,
            PRIMARY KEY (gkey, name)
        ) WITHOUT ROWID""",
        """CREATE TABLE facts_rollup_networks (
            gkey TEXT PRIMARY KEY,
            survey_id TEXT NOT NULL, area TEXT, entry_kind TEXT, partner INTEGER NOT NULL, name_key TEXT,
            kind TEXT, review_state TEXT NOT NULL, validation TEXT NOT NULL,
            by_link INTEGER NOT NULL, safeguarding INTEGER NOT NULL, has_conflict INTEGER NOT NULL,
            entries INTEGER NOT NULL
        )""",
        "CREATE INDEX facts_rollup_networks_survey ON facts_rollup_networks (survey_id)",
        "CREATE TRIGGER facts_rollup_insert AFTER INSERT ON submission_facts BEGIN "
        + " ".join(_add_fact("new", "+"))
        + " END",
        "CREATE TRIGGER facts_rollup_delete AFTER DELETE ON submission_facts BEGIN "
        + " ".join(_add_fact("old", "-"))
        + " END",
        "CREATE TRIGGER facts_rollup_update AFTER UPDATE ON submission_facts BEGIN "
        + " ".join(_add_fact("old", "-") + _add_fact("new", "+"))
        + " "
        + " ".join(
            _add_networks("n", "old", "-", "submission_networks n", "n.fid = old.fid")
            + _add_networks("n", "new", "+", "submission_networks n", "n.fid = new.fid")
        )
        + " END",
        "CREATE TRIGGER facts_rollup_networks_insert AFTER INSERT ON submission_networks BEGIN "
        + " ".join(_add_networks("new", "f", "+", "submission_facts f", "f.fid = new.fid"))
        + " END",
        "CREATE TRIGGER facts_rollup_networks_delete AFTER DELETE ON submission_networks BEGIN "
        + " ".join(_add_networks("old", "f", "-", "submission_facts f", "f.fid = old.fid"))
        + " END",
    ]
    for statement in statements:
        db.execute(statement)
    # What is indexed now.
    db.execute(_fill_facts())
    db.execute(_fill_concerns())
    db.execute(
        "INSERT INTO facts_rollup_networks (gkey, survey_id, area, entry_kind, partner, name_key, kind,"
        " review_state, validation, by_link, safeguarding, has_conflict, entries)"
        f" SELECT {_netkey('n', 'f')}, n.survey_id, n.area, n.kind, n.partner, n.name_key,"
        f" {', '.join(f'f.{k}' for k in NETWORK_KEYS)}, count(*)"
        " FROM submission_networks n JOIN submission_facts f ON f.fid = n.fid GROUP BY 1"
    )


def _fill_facts() -> str:
    sums = ", ".join(f"total(f.n{i}), count(f.n{i})" for i in range(1, NUMBER_SLOTS + 1))
    columns = ["records", "people"]
    for i in range(1, NUMBER_SLOTS + 1):
        columns += [f"s{i}", f"c{i}"]
    return (
        f"INSERT INTO facts_rollup (gkey, {', '.join(KEYS)}, {', '.join(columns)})"
        f" SELECT {_gkey('f')}, {', '.join(f'f.{k}' for k in KEYS)}, count(*), total(f.people), {sums}"
        " FROM submission_facts f GROUP BY 1"
    )


def _fill_concerns() -> str:
    return (
        f"INSERT INTO facts_rollup_concerns (gkey, name, records) SELECT {_gkey('f')}, j.value, count(*)"
        " FROM submission_facts f,"
        " json_each(CASE WHEN json_valid(f.concerns) THEN f.concerns ELSE '[]' END) j GROUP BY 1, 2"
    )
