"""Review history, corrections, a derived index of submissions, and full-text search.

* ``review_events``: every review-state change (and correction, conflict decision) with
  its optional comment: the history shown on a record. Rows are never changed.
* ``submission_corrections``: a coordinator's correction of a quarantined record. The
  record's answers before the correction are kept here verbatim (the first row of a
  record holds exactly what the phone sent; ``content_hash`` on the record stays the hash
  of that, so a replay from the phone is still a harmless duplicate). Never changed.
* ``conflict_resolutions``: what a coordinator decided about a conflicting copy (keep the
  stored answers, or adopt the copy: adopting is recorded as a correction too, so the
  answers it replaced are kept).
* ``submission_facts``: one narrow row per submission, kept in step by triggers, holding
  the filterable metadata and the few answers the dashboard counts. Filtering, paging and
  counting 100,000 records this way reads no JSON: parsing every record's answers costs
  over half a second at that size, and the dashboard must answer in less. Its integer
  primary key (``fid``) is stable across VACUUM, unlike the rowid of ``submissions``.
  The answers it reads are the built-in templates' names (``session_date``, ``district``,
  ``ward``, ``session_type``/``member_group``, the counts, the 1-5 scores, ``concerns``/
  ``biggest_concerns``, ``safeguarding_flag``); an imported survey that uses the same
  names gets the same dashboard. ``submission_networks`` holds one row per organisation
  named in the ``networks`` repeat (type, could partner, name) for the networks map.
* ``submission_search``: FTS5 over every text leaf of the answers (free text, and choice
  names and dates too, which makes "likoni" find Likoni's sessions). Contentless, so
  the text is not stored twice; deletes replay the same expression over the old answers.
  ``detail=none``: searches are words (all of them, as prefixes), never phrases, and
  without positions indexing a record costs a fraction of the default.

Every trigger guards its JSON with ``json_valid``: an answer like ``NaN`` is stored as the
phone sent it (quarantined), and must never make the insert of a record fail.
"""

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
# The dashboard's one scan reads only this index, grouped in its order (no sort step).
DASHBOARD_INDEX = [
    "survey_id",
    "month",
    "area",
    "kind",
    "review_state",
    "validation",
    "by_link",
    "safeguarding",
    "has_conflict",
    "people",
    "women",
    "men",
    "undisclosed",
    "youth",
    "trust_local_gov",
    "trust_police",
    "feel_safe",
    "trust_city",
    "concern_bits",
    "concerns",
    "version",
    "ward",
    "day",
    "received_at",
    "submitted_by",
]


def _valid(ref: str, fallback: str = "NULL") -> str:
    """The answers if they are strict JSON, else ``fallback``.

    They come from Python's ``json.dumps``, whose only non-JSON output is NaN and
    Infinity: a cheap ``instr`` clears nearly every record, and only the rest pay for a
    full ``json_valid`` parse (parsing is most of what these triggers cost).
    """
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

    Three nested steps: one ``json_extract`` of every path (one parse of the answers),
    one read of each value, then the typed and derived columns. ``LIMIT 1 OFFSET 0``
    keeps SQLite from flattening the steps into one, which would copy each expression
    into every place it is used and parse the same values again and again.
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


def _search_body(ref: str) -> str:
    answers = _valid(ref, "'null'")
    return f"(SELECT group_concat(value, ' ') FROM json_tree({answers}) WHERE type = 'text')"


def _add_concern_codes(ref: str) -> list[str]:
    """Give every concern name seen a code, then fix the record's bits if one was new.

    Reads the small ``concerns`` array already on the facts row (not the answers again).
    New names are rare, so the second statement almost never changes anything.
    """
    return [
        "INSERT OR IGNORE INTO facts_concern_codes (name) SELECT e.value FROM submission_facts f,"
        " json_each(COALESCE(f.concerns, '[]')) e"
        f" WHERE f.submission_id = {ref}.id AND e.type = 'text' AND length(e.value) <= 100",
        f"UPDATE submission_facts SET concern_bits = {_bits('concerns')}"
        f" WHERE submission_id = {ref}.id AND changes() > 0",
    ]


def _insert_facts(ref: str) -> str:
    columns = ", ".join(META_COLUMNS + DATA_COLUMNS)
    select = _data_select(ref)
    return f"INSERT INTO submission_facts ({columns}) SELECT {_meta_values(ref)}, d.* FROM ({select}) d"


def _index_text(ref: str, mode: str) -> str:
    """Add (``insert``) or remove (``delete``) a record's text in the search index."""
    head = "INSERT INTO submission_search (rowid, body) SELECT fid, body"
    if mode == "delete":
        head = "INSERT INTO submission_search (submission_search, rowid, body) SELECT 'delete', fid, body"
    return (
        f"{head} FROM (SELECT f.fid AS fid, {_search_body(ref)} AS body FROM submission_facts f"
        f" WHERE f.submission_id = {ref}.id) WHERE body IS NOT NULL"
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


def _delete_networks(ref: str) -> str:
    return (
        "DELETE FROM submission_networks WHERE fid ="
        f" (SELECT fid FROM submission_facts WHERE submission_id = {ref}.id)"
    )


def apply(db):
    statements = [
        """CREATE TABLE review_events (
            id INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL REFERENCES submissions(id),
            action TEXT NOT NULL CHECK (action IN ('state', 'correction', 'conflict')),
            from_state TEXT,
            to_state TEXT,
            comment TEXT,
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX review_events_submission ON review_events (submission_id, id)",
        """CREATE TABLE submission_corrections (
            id INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL REFERENCES submissions(id),
            original_version TEXT NOT NULL,
            original_data TEXT NOT NULL,
            original_validation TEXT NOT NULL,
            original_errors TEXT,
            corrected_version TEXT NOT NULL,
            corrected_data TEXT NOT NULL,
            corrected_validation TEXT NOT NULL,
            corrected_errors TEXT,
            comment TEXT,
            corrected_by INTEGER REFERENCES users(id),
            corrected_at TEXT NOT NULL
        )""",
        "CREATE INDEX submission_corrections_submission ON submission_corrections (submission_id, id)",
        """CREATE TABLE conflict_resolutions (
            conflict_id INTEGER PRIMARY KEY REFERENCES submission_conflicts(id),
            decision TEXT NOT NULL CHECK (decision IN ('kept', 'adopted')),
            comment TEXT,
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
    ]
    for table in ("review_events", "submission_corrections", "conflict_resolutions"):
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_keep_{event.lower()} BEFORE {event} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is a history: it is never changed'); END"
            )
    statements += [
        """CREATE TABLE submission_facts (
            fid INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL UNIQUE,
            survey_id TEXT NOT NULL,
            version TEXT NOT NULL,
            received_at TEXT NOT NULL,
            by_link INTEGER NOT NULL,
            submitted_by INTEGER,
            review_state TEXT NOT NULL,
            validation TEXT NOT NULL,
            has_conflict INTEGER NOT NULL,
            session_date TEXT,
            day TEXT,
            month TEXT,
            area TEXT,
            ward TEXT,
            kind TEXT,
            women NUMERIC,
            men NUMERIC,
            undisclosed NUMERIC,
            people NUMERIC,
            youth NUMERIC,
            trust_local_gov REAL,
            trust_police REAL,
            trust_city REAL,
            feel_safe REAL,
            safeguarding INTEGER NOT NULL DEFAULT 0,
            concerns TEXT,
            concern_bits INTEGER NOT NULL DEFAULT 0
        )""",
        # Bit (code - 1) of concern_bits stands for a concern name; codes never change.
        """CREATE TABLE facts_concern_codes (
            code INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        )""",
        # One row per organisation or network named in a record's ``networks`` repeat.
        """CREATE TABLE submission_networks (
            fid INTEGER NOT NULL,
            entry INTEGER NOT NULL,
            survey_id TEXT NOT NULL,
            area TEXT,
            org_type TEXT,
            could_partner TEXT,
            org_key TEXT,
            org_name TEXT,
            PRIMARY KEY (fid, entry)
        ) WITHOUT ROWID""",
        "CREATE INDEX networks_summary ON submission_networks"
        " (survey_id, area, org_type, could_partner, org_key)",
        # Paging newest first, filters checked on the index itself (fid, the rowid, is the
        # tie-breaker inside every index).
        "CREATE INDEX facts_received ON submission_facts (survey_id, received_at, review_state,"
        " validation, by_link, safeguarding, has_conflict, area, ward, kind, version, submitted_by, day)",
        "CREATE INDEX facts_day ON submission_facts (survey_id, day)",
        f"CREATE INDEX facts_dashboard ON submission_facts ({', '.join(DASHBOARD_INDEX)})",
        "CREATE INDEX facts_quarantined ON submission_facts (received_at) WHERE validation = 'quarantined'",
        "CREATE INDEX facts_safeguarding ON submission_facts (received_at) WHERE safeguarding = 1",
        """CREATE VIRTUAL TABLE submission_search USING fts5(
            body, content='', detail=none, tokenize='unicode61 remove_diacritics 2'
        )""",
        f"""CREATE TRIGGER submissions_index_insert AFTER INSERT ON submissions BEGIN
            {"; ".join(_on_insert("new"))};
        END""",
        f"""CREATE TRIGGER submissions_index_data AFTER UPDATE OF data ON submissions BEGIN
            {_index_text("old", "delete")};
            UPDATE submission_facts SET ({", ".join(DATA_COLUMNS)}) = ({_data_select("new")})
              WHERE submission_id = new.id;
            {"; ".join(_add_concern_codes("new"))};
            {_delete_networks("old")};
            {_insert_networks("new")};
            {_index_text("new", "insert")};
        END""",
        """CREATE TRIGGER submissions_index_meta AFTER UPDATE OF survey_id, version, received_at,
            source, link_id, submitted_by, review_state, validation, has_conflict ON submissions
        BEGIN
            UPDATE submission_facts SET survey_id = new.survey_id, version = new.version,
              received_at = new.received_at,
              by_link = (new.link_id IS NOT NULL OR new.source = 'link'),
              submitted_by = new.submitted_by, review_state = new.review_state,
              validation = new.validation, has_conflict = new.has_conflict
            WHERE submission_id = old.id;
            UPDATE submission_networks SET survey_id = new.survey_id
            WHERE new.survey_id != old.survey_id
              AND fid = (SELECT fid FROM submission_facts WHERE submission_id = old.id);
        END""",
        f"""CREATE TRIGGER submissions_index_delete AFTER DELETE ON submissions BEGIN
            {_index_text("old", "delete")};
            {_delete_networks("old")};
            DELETE FROM submission_facts WHERE submission_id = old.id;
        END""",
    ]
    for statement in statements:
        db.execute(statement)
    _index_existing(db)


def _on_insert(ref: str) -> list[str]:
    return [
        _insert_facts(ref),
        *_add_concern_codes(ref),
        _insert_networks(ref),
        _index_text(ref, "insert"),
    ]


def _index_existing(db) -> None:
    """Index the records stored before this migration with the insert trigger's own SQL.

    Each ``new.<column>`` becomes a named parameter, so the statements run once per
    stored record exactly as the trigger would have; concern codes are then given out
    over all records at once, and every record's bits computed with them.
    """
    columns = [
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
    rows = db.execute(f"SELECT {', '.join(columns)} FROM submissions ORDER BY received_at, rowid").fetchall()
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    db.conn.executemany(_insert_facts("new").replace("new.", ":"), records)
    db.execute(
        "INSERT OR IGNORE INTO facts_concern_codes (name) SELECT e.value FROM submission_facts f,"
        " json_each(COALESCE(f.concerns, '[]')) e WHERE e.type = 'text' AND length(e.value) <= 100"
    )
    db.execute(f"UPDATE submission_facts SET concern_bits = {_bits('concerns')}")
    for statement in (_insert_networks("new"), _index_text("new", "insert")):
        db.conn.executemany(statement.replace("new.", ":"), records)
