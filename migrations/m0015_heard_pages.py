"""Published "What we heard, what we are doing" pages (issue 14).

One row per publication of a survey's page (``area`` is '' for the whole survey). The
``snapshot`` holds exactly what the public sees: suppressed aggregate counts and the
actions' status and last progress note, as the coordinator previewed them. Publishing
again adds a row; the newest row of a (survey, area) is the page; ``withdrawn_at`` takes
it down. Nothing about visitors is stored anywhere.
"""


def apply(db):
    statements = [
        """CREATE TABLE heard_pages (
            id INTEGER PRIMARY KEY,
            survey_id TEXT NOT NULL,
            area TEXT NOT NULL DEFAULT '',
            snapshot TEXT NOT NULL,
            threshold INTEGER NOT NULL,
            published_by INTEGER REFERENCES users(id),
            published_at TEXT NOT NULL,
            withdrawn_at TEXT
        )""",
        "CREATE INDEX heard_pages_survey ON heard_pages (survey_id, area, id)",
    ]
    for statement in statements:
        db.execute(statement)
