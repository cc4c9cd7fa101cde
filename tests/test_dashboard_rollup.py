"""The dashboard's roll-up (m0019) gives the numbers counting every record one by one gives.

Records arrive, are corrected, reviewed, rejected, conflict and are resolved; after each
step the roll-up tables are compared with a fresh GROUP BY over the derived index, and
the summary API's answer from the roll-up with the answer counted row by row (the
roll-up switched off), for filters it serves, a search it serves by subtraction, and
filters it cannot serve.
"""

from __future__ import annotations

import json

import pytest
from conftest import csrf_from
from flask import Flask
from support_coordinators import bearer, item, send, send_from_link, session

from survey_app.dashboard import groups
from survey_app.dashboard.summary import summarise
from survey_app.migrate import load_migrations
from survey_app.records.derived_index import catch_up
from survey_app.records.filters import parse_filters

SUMMARY = "/api/v1/surveys/listening_session/summary"
KEYS = "survey_id, month, area, kind, review_state, validation, by_link, safeguarding, has_conflict"
SLOTS = ", ".join(f"total(n{i}), count(n{i})" for i in range(1, 13))
QUERIES = [
    {},
    {"include": "all"},
    {"state": "approved"},
    {"state": "rejected", "include": "all"},
    {"district": "likoni"},
    {"validation": "quarantined", "include": "all"},
    {"safeguarding": "1"},
    {"source": "link"},
    {"conflict": "1", "include": "all"},
    {"q": "water"},  # most sessions: the roll-up minus the others
    {"q": "ferry"},  # a few: counted directly
    {"district": "likoni", "q": "water", "include": "all"},
    {"facilitator": "facilitator"},  # not a roll-up key
    {"session_from": "2026-02-01"},
    {"concerns": "jobs"},
]


def rollup_matches_the_index(db) -> None:
    """Every roll-up table equals the same sums computed afresh from the index."""
    fresh = db.execute(
        f"SELECT {KEYS}, count(*), total(people), {SLOTS} FROM submission_facts"
        f" GROUP BY {KEYS} ORDER BY json_array({KEYS})"
    ).fetchall()
    slots = ", ".join(f"s{i}, c{i}" for i in range(1, 13))
    kept = db.execute(f"SELECT {KEYS}, records, people, {slots} FROM facts_rollup ORDER BY gkey").fetchall()
    assert kept == fresh
    concerns = db.execute(
        f"SELECT json_array({KEYS}), j.value, count(*) FROM submission_facts, json_each(concerns) j"
        " GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    assert (
        db.execute("SELECT gkey, name, records FROM facts_rollup_concerns ORDER BY 1, 2").fetchall()
        == concerns
    )
    networks = db.execute(
        "SELECT n.survey_id, n.area, n.kind, n.partner, n.name_key, f.kind, f.review_state, f.validation,"
        " f.by_link, f.safeguarding, f.has_conflict, count(*) FROM submission_networks n"
        " JOIN submission_facts f ON f.fid = n.fid GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
    ).fetchall()
    kept_networks = db.execute(
        "SELECT survey_id, area, entry_kind, partner, name_key, kind, review_state, validation, by_link,"
        " safeguarding, has_conflict, entries FROM facts_rollup_networks"
    ).fetchall()
    assert sorted(kept_networks, key=repr) == sorted(networks, key=repr)


def same_answers(client, coordinator, monkeypatch) -> None:
    """The summary API from the roll-up and counted row by row, for every query."""
    for query in QUERIES:
        fast = client.get(SUMMARY, query_string=query, headers=coordinator)
        assert fast.status_code == 200, (query, fast.text)
        with monkeypatch.context() as m:
            m.setattr(groups, "source", lambda db, filters: groups.Source(filters, "direct"))
            slow = client.get(SUMMARY, query_string=query, headers=coordinator)
        assert fast.json == slow.json, query


@pytest.fixture
def coordinator(token_for):
    return bearer(token_for("coordinator"))


def review(client, record_id: str, state: str):
    token = csrf_from(client.get(f"/coordinate/submissions/{record_id}").text)
    response = client.post(
        f"/coordinate/submissions/{record_id}/review", data={"csrf_token": token, "state": state}
    )
    assert response.status_code == 302


def test_rollup_equals_the_direct_count_through_inserts_corrections_and_reviews(
    app, client, auth, db, token_for, coordinator, monkeypatch
):
    facilitator = token_for("facilitator")
    items = [item(session(n, quotes="water at night" if n % 5 else "the ferry again")) for n in range(24)]
    items.append(item(session(24, women="twelve")))  # quarantined
    send(client, facilitator, items)
    send_from_link(app, [item(session(25)), item(session(26))])
    catch_up(db)
    rollup_matches_the_index(db)
    same_answers(client, coordinator, monkeypatch)
    assert groups.source(db, parse_filters(db, "listening_session", {"q": "water"})).how == "complement"
    assert groups.source(db, parse_filters(db, "listening_session", {"q": "ferry"})).how == "direct"

    # More records, one of them a conflicting copy.
    send(client, facilitator, [item(session(n)) for n in range(27, 35)])
    send(client, facilitator, [dict(items[3], data=session(3, venue="Another hall"))])

    auth.login("coordinator")
    review(client, items[0]["id"], "approved")
    review(client, items[1]["id"], "rejected")
    review(client, items[2]["id"], "has_issues")
    review(client, items[1]["id"], "approved")
    review(client, items[5]["id"], "rejected")
    # A correction: new answers, validation from quarantined to valid.
    page = client.get(f"/coordinate/submissions/{items[24]['id']}/correct")
    response = client.post(
        f"/coordinate/submissions/{items[24]['id']}/correct",
        data={
            "csrf_token": csrf_from(page.text),
            "answers": json.dumps(session(24, quotes="water again")),
            "comment": "12 women",
        },
    )
    assert response.status_code == 302
    catch_up(db)
    rollup_matches_the_index(db)
    same_answers(client, coordinator, monkeypatch)

    # A record deleted: taken out of the index.
    db.execute("DELETE FROM submissions WHERE id = ?", [items[7]["id"]])
    catch_up(db)
    rollup_matches_the_index(db)
    same_answers(client, coordinator, monkeypatch)


def test_m0019_fills_the_rollup_from_what_is_indexed(tmp_path):
    from survey_app.db import connect
    from survey_app.surveys.registry import install_builtins
    from survey_app.sync.ingest import Origin, ingest

    db = connect(str(tmp_path / "old.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0019_dashboard_rollup")
    install_builtins(db)
    ingest(db, [item(session(n)) for n in range(12)], Origin("api"))
    catch_up(db)
    assert [m.name for m in migrations.pending(db)][0] == "m0019_dashboard_rollup"
    migrations.apply(db)
    rollup_matches_the_index(db)
    app = Flask("check")
    with app.test_request_context():
        filters = parse_filters(db, "listening_session", {})
        fast = summarise(db, filters, "en", "all")
        original = groups.source
        groups.source = lambda db, filters: groups.Source(filters, "direct")
        try:
            slow = summarise(db, filters, "en", "all")
        finally:
            groups.source = original
    assert fast == slow and fast["totals"]["records"] == 12
