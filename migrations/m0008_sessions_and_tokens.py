"""Server-side sign-in sessions, and API tokens that expire.

* ``user_sessions``: one row per sign-in. The cookies (Flask's ``session`` and Flask-Login's
  ``remember_token``) carry only a random session id; the row holds its SHA-256, never the
  id itself. Sign-out, a password reset and disabling the account set ``ended_at``, after
  which every copy of those cookies is useless. ``expires_at`` slides with ``last_seen_at``
  (a facilitator offline for weeks still syncs when back) up to an absolute maximum.
  This replaces ``users.session_epoch`` (kept, unused: SQLite columns are not dropped by
  an append-only migration), so the sessions signed in before this migration end: their
  cookies name no row. Their phones answer "sign in again" and keep their outbox.
* ``api_tokens.expires_at``: an optional end of a token's life (``create-token --expires-days``).

This file depends on nothing in ``survey_app``: it must keep working if that code changes.
"""


def apply(db):
    statements = [
        """CREATE TABLE user_sessions (
            id INTEGER PRIMARY KEY,
            id_hash TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT,
            ended_reason TEXT
        )""",
        "CREATE INDEX user_sessions_user ON user_sessions (user_id, ended_at)",
        "ALTER TABLE api_tokens ADD COLUMN expires_at TEXT",
        "CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at)",
    ]
    for statement in statements:
        db.execute(statement)
