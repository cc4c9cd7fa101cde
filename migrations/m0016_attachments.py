"""Attachments: the files of records (photos, recordings, signatures), content-addressed.

``files`` holds one row per distinct content (its SHA-256 names the file on disk, under
the attachments folder), ``attachments`` binds a record's file name (the answer's value)
to a content, and ``uploads`` holds resumable uploads in progress (tus, see
docs/attachments.md). ``submission_id`` is not a foreign key: a phone sends a record's
files before the record itself, so the record is complete when it arrives.

A name, once bound to a content for a record, is never rebound (UNIQUE): a file is never
overwritten. This file depends on nothing in ``survey_app``.
"""


def apply(db):
    statements = [
        """CREATE TABLE files (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            stored_at TEXT NOT NULL
        )""",
        """CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL,
            survey_id TEXT NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL REFERENCES files(sha256),
            size INTEGER NOT NULL,
            declared_type TEXT,
            uploaded_by INTEGER REFERENCES users(id),
            link_id INTEGER,
            received_at TEXT NOT NULL,
            UNIQUE (submission_id, name)
        )""",
        "CREATE INDEX attachments_survey ON attachments (survey_id)",
        """CREATE TABLE uploads (
            id TEXT PRIMARY KEY,
            submission_id TEXT NOT NULL,
            survey_id TEXT NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
            length INTEGER NOT NULL CHECK (length >= 0),
            declared_type TEXT,
            uploaded_by INTEGER REFERENCES users(id),
            link_id INTEGER,
            created_at TEXT NOT NULL,
            completed_at TEXT,
            UNIQUE (submission_id, name, sha256)
        )""",
        "CREATE INDEX uploads_survey ON uploads (survey_id, completed_at)",
    ]
    for statement in statements:
        db.execute(statement)
