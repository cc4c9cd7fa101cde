"""Local action plans and their actions (issue 14).

* ``plans``: title, the areas it covers (``areas``, a JSON list of area names; empty
  means the whole city), the surveys whose listening it answers (``surveys``, JSON list),
  its period and its review dates (JSON list of ISO dates).
* ``plan_actions``: one action of a plan: the concerns it answers (choice names of the
  surveys' concern lists), its areas, partner organisations (registry ids), owner,
  dates and status.
* ``action_notes``: dated progress notes, append-only.
* ``action_history``: every change of an action (what changed, from what to what, who,
  when), append-only: the action's history page. The audit log gets a line too.
"""


def apply(db):
    statements = [
        """CREATE TABLE plans (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            areas TEXT NOT NULL DEFAULT '[]',
            surveys TEXT NOT NULL DEFAULT '[]',
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            review_dates TEXT NOT NULL DEFAULT '[]',
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (period_start <= period_end)
        )""",
        """CREATE TABLE plan_actions (
            id INTEGER PRIMARY KEY,
            plan_id INTEGER NOT NULL REFERENCES plans(id),
            title TEXT NOT NULL,
            concerns TEXT NOT NULL DEFAULT '[]',
            areas TEXT NOT NULL DEFAULT '[]',
            partners TEXT NOT NULL DEFAULT '[]',
            owner TEXT,
            start_date TEXT,
            due_date TEXT,
            status TEXT NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'under_way', 'done', 'dropped')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX plan_actions_plan ON plan_actions (plan_id, id)",
        """CREATE TABLE action_notes (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES plan_actions(id),
            noted_on TEXT NOT NULL,
            body TEXT NOT NULL,
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX action_notes_action ON action_notes (action_id, noted_on, id)",
        """CREATE TABLE action_history (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES plan_actions(id),
            change TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '{}',
            actor_id INTEGER REFERENCES users(id),
            at TEXT NOT NULL
        )""",
        "CREATE INDEX action_history_action ON action_history (action_id, id)",
    ]
    for table in ("action_notes", "action_history"):
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_keep_{event.lower()} BEFORE {event} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is a history: it is never changed'); END"
            )
    for statement in statements:
        db.execute(statement)
