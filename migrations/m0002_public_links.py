"""Public feedback links: an unguessable URL (and QR code) that lets anyone submit to one survey.

Lookups go through ``token_hash`` (SHA-256 of the URL token, unique). The token itself
is kept in ``token`` so coordinators can re-print a poster weeks later: it is a
submit-only capability that is printed on paper by design, anyone who can read this
database can already read every answer, and a key kept outside the database (to derive
or decrypt it) would silently break every printed QR code after a restore from a
database-only backup. Revoking a link clears ``token``; the hash stays, so the old
URL still answers "this link was withdrawn" instead of "not found".

Submissions count per link through ``submissions.link_id``. ``state_changed_at`` is the
moment of the last pause, resume or revoke: records started before a pause are still
accepted when they sync later.
"""


def apply(db):
    statements = [
        """CREATE TABLE public_links (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            token TEXT,
            survey_id TEXT NOT NULL REFERENCES surveys(id),
            label TEXT NOT NULL,
            expires_at TEXT,
            max_submissions INTEGER CHECK (max_submissions IS NULL OR max_submissions > 0),
            state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'revoked')),
            state_changed_at TEXT,
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX public_links_survey ON public_links (survey_id, created_at)",
        "CREATE INDEX submissions_link ON submissions (link_id, received_at)",
    ]
    for statement in statements:
        db.execute(statement)
