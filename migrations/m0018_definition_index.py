"""A derived index driven by each definition's ``dashboard`` block, not by fixed answer names.

m0004 built ``submission_facts`` from 17 answer names of the built-in surveys, written
into its SQL and triggers. This migration replaces those tables and triggers with ones
that name no question at all:

* ``submission_facts``: one row per record with its metadata (now with ``link_id``) and
  the roles its definition's block names: ``answer_date``/``day``/``month`` (the date),
  ``area`` and ``subarea`` (the area hierarchy), ``kind`` (the group kind), ``people``
  (the sum of the people parts), ``safeguarding``, ``concerns``/``concern_bits`` and
  twelve number slots ``n1``..``n12``. Which question fills which slot is in
  ``facts_slots`` (given out first come, per survey, never changed).
* ``submission_answers``: the generic dashboard's input, one row per answered top-level
  question (selects one row per choice, numbers, dates as their month, text answered).
* ``submission_networks``: one row per entry of the block's networks repeat.
* ``submission_search``: FTS5 over every text leaf, as before (kept, emptied).
* ``derived_index_stale``: records whose answers changed (or that were deleted) after
  they were indexed, with the answers they were indexed with, so the indexer can take
  their old words out of the contentless search index and index them again.
* ``survey_blocks``: a dashboard block given to an already published version (the
  version itself is immutable; its questions never change, only what the dashboard reads).

The SQL triggers now only record what changed; the indexer (survey_app/review/
derived_index.py, run in the background by ``serve``, by ``survey-app index`` and in
small bounded steps by reads) reads the definitions and fills the tables. Every stored
record stays indexed: the watermark goes back to 0, so the indexer indexes every record
again from its own definition, oldest first, in short write transactions.

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""

NUMBER_SLOTS = 12


def apply(db):
    for trigger in ("submissions_index_insert", "submissions_index_data", "submissions_index_meta"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TRIGGER IF EXISTS submissions_index_delete")
    old_indexes = (
        "facts_received",
        "facts_day",
        "facts_dashboard",
        "facts_quarantined",
        "facts_safeguarding",
    )
    for index in old_indexes:
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("DROP TABLE IF EXISTS submission_networks")
    db.execute("DROP TABLE IF EXISTS submission_facts")
    db.execute("DELETE FROM facts_concern_codes")
    db.execute("INSERT INTO submission_search (submission_search) VALUES ('delete-all')")
    slots = ",\n            ".join(f"n{i} NUMERIC" for i in range(1, NUMBER_SLOTS + 1))
    statements = [
        f"""CREATE TABLE submission_facts (
            fid INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL UNIQUE,
            survey_id TEXT NOT NULL,
            version TEXT NOT NULL,
            received_at TEXT NOT NULL,
            by_link INTEGER NOT NULL,
            link_id INTEGER,
            submitted_by INTEGER,
            review_state TEXT NOT NULL,
            validation TEXT NOT NULL,
            has_conflict INTEGER NOT NULL,
            answer_date TEXT,
            day TEXT,
            month TEXT,
            area TEXT,
            subarea TEXT,
            kind TEXT,
            people NUMERIC,
            safeguarding INTEGER NOT NULL DEFAULT 0,
            concerns TEXT,
            concern_bits INTEGER NOT NULL DEFAULT 0,
            {slots}
        )""",
        """CREATE TABLE facts_slots (
            survey_id TEXT NOT NULL,
            question TEXT NOT NULL,
            slot INTEGER NOT NULL,
            PRIMARY KEY (survey_id, question),
            UNIQUE (survey_id, slot)
        )""",
        """CREATE TABLE submission_answers (
            fid INTEGER NOT NULL,
            survey_id TEXT NOT NULL,
            question TEXT NOT NULL,
            value TEXT,
            number REAL
        )""",
        "CREATE INDEX answers_question ON submission_answers (survey_id, question, value, number, fid)",
        "CREATE INDEX answers_fid ON submission_answers (fid)",
        """CREATE TABLE submission_networks (
            fid INTEGER NOT NULL,
            entry INTEGER NOT NULL,
            survey_id TEXT NOT NULL,
            area TEXT,
            kind TEXT,
            partner INTEGER NOT NULL DEFAULT 0,
            name_key TEXT,
            name TEXT,
            PRIMARY KEY (fid, entry)
        ) WITHOUT ROWID""",
        "CREATE INDEX networks_summary ON submission_networks (survey_id, area, kind, partner, name_key)",
        """CREATE TABLE derived_index_stale (
            rowid INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL,
            old_data TEXT
        )""",
        """CREATE TABLE survey_blocks (
            survey_id TEXT NOT NULL,
            version TEXT NOT NULL,
            block TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (survey_id, version)
        )""",
        "CREATE INDEX facts_received ON submission_facts (survey_id, received_at, review_state,"
        " validation, by_link, safeguarding, has_conflict, area, subarea, kind, version, submitted_by,"
        " link_id, day)",
        "CREATE INDEX facts_day ON submission_facts (survey_id, day)",
        "CREATE INDEX facts_dashboard ON submission_facts (survey_id, month, area, kind, review_state,"
        " validation, by_link, safeguarding, has_conflict, people, concern_bits, concerns, "
        + ", ".join(f"n{i}" for i in range(1, NUMBER_SLOTS + 1))
        + ", version, subarea, day, received_at, submitted_by, link_id)",
        "CREATE INDEX facts_quarantined ON submission_facts (received_at) WHERE validation = 'quarantined'",
        "CREATE INDEX facts_safeguarding ON submission_facts (received_at) WHERE safeguarding = 1",
        # Answers changed or a record deleted: remember what was indexed, for the indexer.
        """CREATE TRIGGER submissions_index_data AFTER UPDATE OF data ON submissions BEGIN
            INSERT OR IGNORE INTO derived_index_stale (rowid, submission_id, old_data)
            VALUES (old.rowid, old.id, old.data);
        END""",
        """CREATE TRIGGER submissions_index_delete AFTER DELETE ON submissions BEGIN
            INSERT OR IGNORE INTO derived_index_stale (rowid, submission_id, old_data)
            VALUES (old.rowid, old.id, old.data);
        END""",
        # Review state, validation and the like: the facts row follows at once (no JSON).
        """CREATE TRIGGER submissions_index_meta AFTER UPDATE OF survey_id, version, received_at,
            source, link_id, submitted_by, review_state, validation, has_conflict ON submissions
        BEGIN
            UPDATE submission_facts SET survey_id = new.survey_id, version = new.version,
              received_at = new.received_at,
              by_link = (new.link_id IS NOT NULL OR new.source = 'link'), link_id = new.link_id,
              submitted_by = new.submitted_by, review_state = new.review_state,
              validation = new.validation, has_conflict = new.has_conflict
            WHERE submission_id = old.id;
        END""",
        "UPDATE derived_index_watermark SET indexed_rowid = 0",
    ]
    for statement in statements:
        db.execute(statement)
