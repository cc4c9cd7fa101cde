"""The registry of networks and resources named in sessions (issue 14).

* ``registry_orgs``: one entry per organisation or network. ``status`` is ``new`` (named
  in a session, not looked at yet: the review list), ``confirmed`` (a coordinator checked
  it) or ``merged`` (folded into ``merged_into``; kept, with its history, never deleted).
* ``registry_names``: every spelling heard, normalised (``key``), and the entry it means
  now. A merge points the merged entry's names at the entry it joined, so the next
  session that says "likoni youth grp" lands on "Likoni Youth Group".
* ``registry_mentions``: one row per repeat instance that named an organisation: which
  record, which entry, the words as heard (name, type, partner answer) and where and
  when. ``first_org_id`` is the entry it was first filed under, kept through merges.
* ``registry_events``: the history of each entry (created, edited, confirmed, merged),
  append-only. Details are metadata and coordinators' edits, never answers.
* ``registry_watermark``: the highest ``submissions.rowid`` read into the registry, and
  the highest ``submission_corrections.id`` whose record was read again (a corrected
  record's mentions are those of its corrected answers). The registry is filled when it
  is read (like the derived index of m0005), never inside the sync transaction.
"""


def apply(db):
    statements = [
        """CREATE TABLE registry_orgs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            org_type TEXT,
            does TEXT,
            partner TEXT,
            status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'merged')),
            merged_into INTEGER REFERENCES registry_orgs(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX registry_orgs_status ON registry_orgs (status, name)",
        """CREATE TABLE registry_names (
            key TEXT PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES registry_orgs(id)
        )""",
        "CREATE INDEX registry_names_org ON registry_names (org_id)",
        """CREATE TABLE registry_mentions (
            submission_id TEXT NOT NULL,
            entry INTEGER NOT NULL,
            repeat TEXT NOT NULL,
            org_id INTEGER NOT NULL REFERENCES registry_orgs(id),
            first_org_id INTEGER NOT NULL REFERENCES registry_orgs(id),
            survey_id TEXT NOT NULL,
            area TEXT,
            heard_on TEXT,
            name_as_heard TEXT NOT NULL,
            type_as_heard TEXT,
            partner_as_heard TEXT,
            PRIMARY KEY (submission_id, repeat, entry)
        )""",
        "CREATE INDEX registry_mentions_org ON registry_mentions (org_id, heard_on)",
        "CREATE INDEX registry_mentions_area ON registry_mentions (area, org_id)",
        """CREATE TABLE registry_events (
            id INTEGER PRIMARY KEY,
            org_id INTEGER NOT NULL REFERENCES registry_orgs(id),
            action TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}',
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX registry_events_org ON registry_events (org_id, id)",
        """CREATE TRIGGER registry_events_keep_update BEFORE UPDATE ON registry_events
        BEGIN SELECT RAISE(ABORT, 'registry_events is a history: it is never changed'); END""",
        """CREATE TRIGGER registry_events_keep_delete BEFORE DELETE ON registry_events
        BEGIN SELECT RAISE(ABORT, 'registry_events is a history: it is never changed'); END""",
        """CREATE TABLE registry_watermark (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            read_rowid INTEGER NOT NULL,
            read_correction INTEGER NOT NULL
        )""",
        "INSERT INTO registry_watermark (id, read_rowid, read_correction) VALUES (1, 0, 0)",
    ]
    for statement in statements:
        db.execute(statement)
