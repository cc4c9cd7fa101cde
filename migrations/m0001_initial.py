"""The first schema: accounts, tokens, surveys and their versions, submissions, audit log."""


def apply(db):
    statements = [
        """CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'facilitator')),
            active INTEGER NOT NULL DEFAULT 1,
            session_epoch INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        )""",
        """CREATE TABLE surveys (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            current_version TEXT,
            created_at TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE survey_versions (
            survey_id TEXT NOT NULL REFERENCES surveys(id),
            version TEXT NOT NULL,
            definition TEXT NOT NULL,
            source TEXT NOT NULL,
            published_at TEXT NOT NULL,
            published_by INTEGER REFERENCES users(id),
            PRIMARY KEY (survey_id, version)
        )""",
        # A published version is what phones hold: changing it would silently change
        # what old records mean, so the database itself refuses.
        """CREATE TRIGGER survey_versions_immutable BEFORE UPDATE ON survey_versions
        BEGIN SELECT RAISE(ABORT, 'published survey versions are immutable'); END""",
        """CREATE TRIGGER survey_versions_undeletable BEFORE DELETE ON survey_versions
        BEGIN SELECT RAISE(ABORT, 'published survey versions are immutable'); END""",
        # survey_id and version are not foreign keys on purpose: a record for an unknown
        # survey is still kept (quarantined), never refused.
        """CREATE TABLE submissions (
            id TEXT PRIMARY KEY,
            survey_id TEXT NOT NULL,
            version TEXT NOT NULL,
            data TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL,
            validation TEXT NOT NULL CHECK (validation IN ('valid', 'quarantined')),
            errors TEXT,
            review_state TEXT NOT NULL DEFAULT 'received',
            has_conflict INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL,
            submitted_by INTEGER REFERENCES users(id),
            link_id INTEGER,
            received_at TEXT NOT NULL
        )""",
        "CREATE INDEX submissions_survey ON submissions (survey_id, received_at)",
        "CREATE INDEX submissions_submitter ON submissions (submitted_by, received_at)",
        """CREATE TABLE submission_conflicts (
            id INTEGER PRIMARY KEY,
            submission_id TEXT NOT NULL REFERENCES submissions(id),
            survey_id TEXT NOT NULL,
            version TEXT NOT NULL,
            data TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL,
            errors TEXT,
            source TEXT NOT NULL,
            submitted_by INTEGER REFERENCES users(id),
            received_at TEXT NOT NULL,
            UNIQUE (submission_id, content_hash)
        )""",
        """CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER REFERENCES users(id),
            action TEXT NOT NULL,
            target TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        )""",
    ]
    for statement in statements:
        db.execute(statement)
