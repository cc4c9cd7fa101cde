"""Index new records when coordinators read, not inside the sync transaction.

The AFTER INSERT trigger of m0004 (``submissions_index_insert``) filled
``submission_facts``, ``submission_networks``, ``facts_concern_codes`` and
``submission_search`` for every stored record. It cost about 0.36 ms per record inside
the sync write transaction, seven times the insert itself, and was the main limit of
sync ingest. It is dropped here; ``survey_app/records/derived_index.py`` runs the same SQL
for the records stored since the last time (``catch_up``) at the start of every read of
those tables, so coordinators see exactly what the trigger gave them.

``derived_index_watermark`` is one row: the highest ``submissions.rowid`` that has been
indexed. m0004 indexed every record that existed, and its trigger every one since, so it
starts at the current highest rowid. Submissions are never deleted by the app, so rowids
only grow (each insert takes the highest plus one) and every record above the watermark
is one not indexed yet.

The UPDATE and DELETE triggers of m0004 stay: they touch only rows already indexed. An
update of a record not indexed yet changes nothing in the index, and is harmless, since
``catch_up`` indexes the record's state as it is when it runs.

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""


def apply(db):
    db.execute("DROP TRIGGER IF EXISTS submissions_index_insert")
    db.execute(
        """CREATE TABLE derived_index_watermark (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            indexed_rowid INTEGER NOT NULL
        )"""
    )
    db.execute(
        "INSERT INTO derived_index_watermark (id, indexed_rowid)"
        " SELECT 1, COALESCE(max(rowid), 0) FROM submissions"
    )
