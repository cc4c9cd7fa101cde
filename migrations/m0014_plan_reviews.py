"""Reviews of a local action plan (issue 14).

``plan_reviews`` holds one review: the period it covers, the period it compares with
(the one just before, of the same length), and ``snapshot``: the evidence as computed
when the review was run (aggregate counts per action and area, never record-level data),
frozen so that a later review compares like with like even after late records arrive
or records are corrected. A snapshot is never changed (a trigger refuses).
``review_decisions``: what the review decided for each action (keep, change, drop) or
for a new one (add), with a note; the latest row for an action is the decision.
"""


def apply(db):
    statements = [
        """CREATE TABLE plan_reviews (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            previous_start TEXT NOT NULL,
            previous_end TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX plan_reviews_plan ON plan_reviews (plan_id, id)",
        """CREATE TRIGGER plan_reviews_frozen BEFORE UPDATE OF snapshot, period_start, period_end,
            previous_start, previous_end ON plan_reviews
        BEGIN SELECT RAISE(ABORT, 'a review snapshot is frozen'); END""",
        """CREATE TABLE review_decisions (
            id INTEGER PRIMARY KEY,
            review_id INTEGER NOT NULL REFERENCES plan_reviews(id),
            action_id INTEGER REFERENCES plan_actions(id),
            decision TEXT NOT NULL CHECK (decision IN ('keep', 'change', 'add', 'drop')),
            note TEXT,
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX review_decisions_review ON review_decisions (review_id, action_id, id)",
    ]
    for statement in statements:
        db.execute(statement)
