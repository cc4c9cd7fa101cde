"""The derived index is filled when coordinators read, not when phones sync (migration m0005).

A sync stores records only; the first coordinator read after it (dashboard, summary,
submissions, review queues, exports) indexes them with the SQL m0004's insert trigger
ran, so what coordinators see is what they saw when the trigger did the work.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3

import pytest
from support_coordinators import bearer, item, send, session

from survey_app.db import connect
from survey_app.migrate import MIGRATIONS_DIR, load_migrations
from survey_app.review import derived_index
from survey_app.review.derived_index import catch_up, pending
from survey_app.surveys.registry import install_builtins
from survey_app.sync.ingest import Origin, ingest

SUMMARY = "/api/v1/surveys/listening_session/summary"


def facts(db) -> int:
    return db.execute("SELECT count(*) FROM submission_facts").fetchone()[0]


def watermark(db) -> int:
    return db.execute("SELECT indexed_rowid FROM derived_index_watermark").fetchone()[0]


def searched(client, headers, words: str) -> int:
    response = client.get(SUMMARY, query_string={"q": words}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json["totals"]["records"]


@pytest.fixture
def facilitator(token_for):
    return token_for("facilitator")


@pytest.fixture
def coordinator(token_for):
    return bearer(token_for("coordinator"))


def test_synced_records_are_indexed_at_the_first_coordinator_read(client, db, facilitator, coordinator):
    items = [item(session(n)) for n in range(12)] + [item(session(12, women="lots"))]
    send(client, facilitator, items)
    assert facts(db) == 0 and pending(db), "the sync itself indexes nothing"

    totals = client.get(SUMMARY, headers=coordinator).json["totals"]
    women = "CASE WHEN json_type(data, '$.women') = 'integer' THEN json_extract(data, '$.women') END"
    expected = db.execute(
        f"SELECT count(*), total({women}), total(validation = 'quarantined'),"
        " total(json_extract(data, '$.safeguarding_flag') = 'yes') FROM submissions"
    ).fetchone()
    assert (
        totals["records"],
        totals["women"],
        totals["quarantined"],
        totals["safeguarding_flags"],
    ) == expected
    assert totals["records"] == 13 and totals["quarantined"] == 1
    assert facts(db) == 13 and not pending(db)
    assert watermark(db) == db.execute("SELECT max(rowid) FROM submissions").fetchone()[0]
    networks = sum(len(i["data"].get("networks", [])) for i in items)
    assert db.execute("SELECT count(*) FROM submission_networks").fetchone()[0] == networks

    later = [item(session(n)) for n in range(20, 25)]
    send(client, facilitator, later)
    export = client.get("/api/v1/surveys/listening_session/submissions.json", headers=coordinator)
    assert export.headers["X-Record-Count"] == "18"
    assert {r["id"] for r in export.json} == {i["id"] for i in items + later}


def test_every_coordinator_page_indexes_first(client, auth, db, facilitator):
    auth.login("coordinator")
    for n, url in enumerate(
        [
            "/coordinate/submissions?survey=listening_session",
            "/coordinate/dashboard?survey=listening_session",
            "/coordinate/review",
        ]
    ):
        record = item(session(n, safeguarding_flag="yes", quotes=f"Pagecheck{n} was said here."))
        send(client, facilitator, [record])
        assert facts(db) == n
        page = client.get(url)
        assert page.status_code == 200 and facts(db) == n + 1, url
    assert record["id"] in page.text, "the review queue lists the new safeguarding flag"


def test_search_finds_text_synced_after_the_last_read(client, db, facilitator, coordinator):
    send(client, facilitator, [item(session(n)) for n in range(3)])
    assert searched(client, coordinator, "market") == 3
    fresh = item(session(4, quotes="Zanzibarite fishermen asked about the new jetty."))
    send(client, facilitator, [fresh])
    assert searched(client, coordinator, "zanzibarite jetty") == 1
    page = client.get(
        "/coordinate/submissions",
        query_string={"survey": "listening_session", "q": "jetty"},
        headers=coordinator,
    )
    assert fresh["id"] in page.text


def test_a_record_changed_before_it_was_indexed_is_indexed_as_it_is_now(
    client, auth, db, facilitator, coordinator
):
    plain = item(session(1))
    wrong = item(session(2, women="twelve", quotes="Nobody mentioned the ferry."))
    send(client, facilitator, [plain, wrong])
    changed = dict(plain["data"], venue="Another hall")
    # A conflicting copy, from the record's own account (before the client signs in as a
    # coordinator: a copy from another account is refused).
    send(client, facilitator, [dict(plain, data=changed)])
    auth.login("coordinator")
    token = auth.csrf()  # from the API: no coordinator page read yet
    response = client.post(
        f"/coordinate/submissions/{plain['id']}/review", data={"csrf_token": token, "state": "approved"}
    )
    assert response.status_code == 302
    fixed = session(2, quotes="The ferry queue at night came up again.")
    response = client.post(
        f"/coordinate/submissions/{wrong['id']}/correct",
        data={"csrf_token": token, "answers": json.dumps(fixed), "comment": "confirmed"},
    )
    assert response.status_code == 302
    assert facts(db) == 0, "reviews, corrections and conflicts index nothing by themselves"

    assert (
        client.get(SUMMARY, query_string={"state": "approved"}, headers=coordinator).json["totals"]["records"]
        == 1
    )
    row = db.execute(
        "SELECT review_state, validation, has_conflict, women FROM submission_facts WHERE submission_id = ?",
        [wrong["id"]],
    ).fetchone()
    assert row == ("received", "valid", 0, fixed["women"])
    assert db.execute(
        "SELECT review_state, has_conflict FROM submission_facts WHERE submission_id = ?", [plain["id"]]
    ).fetchone() == ("approved", 1)
    assert searched(client, coordinator, "ferry queue") == 1
    assert searched(client, coordinator, "nobody mentioned") == 0, "the replaced answers are not searched"
    conflicts = client.get(SUMMARY, query_string={"conflict": "1"}, headers=coordinator).json
    assert conflicts["totals"]["records"] == 1


def test_catch_up_twice_indexes_nothing_the_second_time(app, db, monkeypatch):
    monkeypatch.setattr(derived_index, "CHUNK", 3)  # several chunks, one transaction each
    ingest(db, [item(session(n)) for n in range(7)], Origin("api"))
    assert catch_up(db) == 7
    assert catch_up(db) == 0
    assert facts(db) == 7 and not db.conn.in_transaction


def test_only_those_the_route_admits_make_it_index(client, auth, db, facilitator):
    send(client, facilitator, [item(session(1))])
    auth.login("facilitator")
    assert client.get("/coordinate/dashboard").status_code == 403
    assert client.get(SUMMARY, headers=bearer(facilitator)).status_code == 403
    assert facts(db) == 0 and pending(db)


def dump(db) -> dict[str, list]:
    """Everything in the derived index (the search index through its vocabulary)."""
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab USING fts5vocab(main, submission_search, row)"
    )
    return {
        "facts": db.execute("SELECT * FROM submission_facts ORDER BY fid").fetchall(),
        "networks": db.execute("SELECT * FROM submission_networks ORDER BY fid, entry").fetchall(),
        "codes": db.execute("SELECT * FROM facts_concern_codes ORDER BY code").fetchall(),
        "words": db.execute("SELECT term, doc FROM temp.search_vocab ORDER BY term").fetchall(),
        "market": db.execute(
            "SELECT rowid FROM submission_search WHERE submission_search MATCH 'market' ORDER BY rowid"
        ).fetchall(),
    }


def test_catch_up_indexes_exactly_what_the_insert_trigger_did(tmp_path):
    """Same records: indexed by m0004's trigger, then wiped and indexed again by catch_up."""
    db = connect(str(tmp_path / "same.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0005_index_on_read")
    install_builtins(db)
    records = [item(session(n)) for n in range(9)]
    records.append(item(session(9, women=float("nan"))))  # kept as sent, not unpacked
    records.append(item(session(10, concerns=["a_concern_nobody_listed", "jobs"])))
    records.append(
        item(
            {"age_band": "age_18_24", "neighbourhood": " Bamburi ", "biggest_concerns": ["food"]},
            survey="community_feedback",
        )
    )
    ingest(db, records, Origin("api"))
    by_trigger = dump(db)
    assert len(by_trigger["facts"]) == 12 and by_trigger["market"]

    migrations.apply(db)
    assert watermark(db) == 12 and not pending(db), "m0004 indexed everything stored before m0005"
    with db.conn:
        db.execute("DELETE FROM submission_networks")
        db.execute("DELETE FROM submission_facts")
        db.execute("DELETE FROM facts_concern_codes")
        db.execute("INSERT INTO submission_search (submission_search) VALUES ('delete-all')")
        db.execute("UPDATE derived_index_watermark SET indexed_rowid = 0")
    assert catch_up(db) == 12
    assert dump(db) == by_trigger
    db.close()


def test_catch_up_runs_the_sql_of_the_insert_trigger():
    """The copied SQL builders still produce m0004's trigger statements, character for character."""
    spec = importlib.util.spec_from_file_location("m0004", MIGRATIONS_DIR / "m0004_review.py")
    m0004 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0004)
    assert derived_index._insert_facts("new") == m0004._insert_facts("new")
    assert derived_index._insert_networks("new") == m0004._insert_networks("new")
    assert derived_index._index_text("new") == m0004._index_text("new", "insert")


def test_answers_with_a_lone_surrogate_are_indexed_readable_and_m0006_repairs_old_ones(tmp_path):
    """SQLite's JSON functions turn an escaped lone surrogate into bytes that are not UTF-8:
    indexed as they are, they failed every read of the facts. The index now gets a cleaned
    copy; m0006 indexes again the records indexed the old way. The records stay as sent."""
    db = connect(str(tmp_path / "surrogates.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0006_reindex_lone_surrogates")
    install_builtins(db)
    broken = item(session(1, district="\ud800likoni", quotes="cut \udfff"))
    plain = item(session(2))
    ingest(db, [broken, plain], Origin("api"))
    stored = db.execute("SELECT data FROM submissions WHERE id = ?", [broken["id"]]).fetchone()[0]
    with db.conn:  # how the index was filled before: from the stored text as it is
        rows = [
            dict(zip(derived_index.COLUMNS, row, strict=True))
            for row in db.execute(
                f"SELECT {', '.join(derived_index.COLUMNS)} FROM submissions ORDER BY rowid"
            )
        ]
        derived_index._index(db, rows)
        db.execute("UPDATE derived_index_watermark SET indexed_rowid = 2")
    with pytest.raises(sqlite3.OperationalError, match="UTF-8"):
        db.execute("SELECT area FROM submission_facts").fetchall()

    migrations.apply(db)  # m0006
    assert catch_up(db) == 1
    areas = dict(db.execute("SELECT submission_id, area FROM submission_facts").fetchall())
    assert areas == {broken["id"]: "\ufffdlikoni", plain["id"]: session(2)["district"]}
    assert db.execute("SELECT count(*) FROM submission_facts").fetchone()[0] == 2
    assert (
        db.execute("SELECT count(*) FROM submission_search WHERE submission_search MATCH 'cut'").fetchone()[0]
        == 1
    )
    assert db.execute("SELECT data FROM submissions WHERE id = ?", [broken["id"]]).fetchone()[0] == stored
    db.close()
