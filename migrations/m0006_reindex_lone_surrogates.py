"""Index again the records whose answers hold an escaped lone surrogate.

A phone can send text cut inside an emoji (``"\\ud800"``); the record keeps it, escaped.
Until now the derived index (m0004, m0005) read such answers as they are, and SQLite's
JSON functions turn the escape into bytes that are not UTF-8: the facts row and search
text of that record then failed every query that read them (the submissions list, the
dashboard, the review queues, exports). The app now indexes a cleaned copy (U+FFFD in
place of each lone surrogate, ``survey_app/storedjson.py``). This migration removes the
index rows of the records that may hold one (their search text through FTS5's
``'delete'``, with the very text it was given, then networks and facts) and moves the
watermark back below the first of them, so the next ``catch_up`` indexes them again,
cleaned. Records indexed since are skipped by ``catch_up`` (it never indexes one twice).

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""

# Answers that may hold an escaped lone surrogate (a few false hits, e.g. a typed "\\udp",
# are only indexed again, to the same result).
MAY_HOLD = "s.data LIKE '%\\ud%'"

# The answers as m0004 read them (strict JSON only), and the search text it indexed.
VALID = (
    "CASE WHEN (instr(s.data, 'NaN') = 0 AND instr(s.data, 'Infinity') = 0) OR json_valid(s.data)"
    " THEN s.data ELSE 'null' END"
)
BODY = f"(SELECT group_concat(value, ' ') FROM json_tree({VALID}) WHERE type = 'text')"


def apply(db):
    db.execute(
        "CREATE TEMP TABLE reindex_surrogates AS SELECT s.rowid AS rid, f.fid AS fid,"
        f" {BODY} AS body FROM submissions s JOIN submission_facts f ON f.submission_id = s.id"
        f" WHERE {MAY_HOLD}"
    )
    statements = [
        "INSERT INTO submission_search (submission_search, rowid, body)"
        " SELECT 'delete', fid, body FROM reindex_surrogates WHERE body IS NOT NULL",
        "DELETE FROM submission_networks WHERE fid IN (SELECT fid FROM reindex_surrogates)",
        "DELETE FROM submission_facts WHERE fid IN (SELECT fid FROM reindex_surrogates)",
        "UPDATE derived_index_watermark SET indexed_rowid ="
        " min(indexed_rowid, (SELECT min(rid) - 1 FROM reindex_surrogates))"
        " WHERE EXISTS (SELECT 1 FROM reindex_surrogates)",
        "DROP TABLE reindex_surrogates",
    ]
    for statement in statements:
        db.execute(statement)
