"""The derived index is filled off the sync path, from each definition (migration m0018).

A sync stores records only; the background indexer, ``survey-app index`` or a bounded
step at the next coordinator read indexes them from the definition's dashboard block.
A read never waits for a backlog: it answers from what is indexed and says how many
records are still waiting.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3

import pytest
from conftest import run_cli
from support_coordinators import bearer, item, send, session

from survey_app.db import connect
from survey_app.migrate import MIGRATIONS_DIR, load_migrations
from survey_app.records import derived_index
from survey_app.records.derived_index import catch_up, pending
from survey_app.surveys.registry import install_builtins
from survey_app.sync.ingest import Origin, ingest

SUMMARY = "/api/v1/surveys/listening_session/summary"


def facts(db) -> int:
    return db.execute("SELECT count(*) FROM submission_facts").fetchone()[0]


def watermark(db) -> int:
    return db.execute("SELECT indexed_rowid FROM derived_index_watermark").fetchone()[0]


def searched(client, headers, words: str) -> int:
    response = client.get(SUMMARY, query_string={"q": words, "include": "all"}, headers=headers)
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

    totals = client.get(SUMMARY + "?include=all", headers=coordinator).json["totals"]
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
    slot = db.execute("SELECT slot FROM facts_slots WHERE question = 'women'").fetchone()[0]
    row = db.execute(
        f"SELECT review_state, validation, has_conflict, n{slot} FROM submission_facts"
        " WHERE submission_id = ?",
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


def test_m0018_keeps_every_stored_record_indexed(tmp_path):
    """Records indexed by m0004's fixed-name SQL are all indexed again from their definitions."""
    db = connect(str(tmp_path / "old.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0018_definition_index")
    install_builtins(db)
    records = [item(session(n)) for n in range(9)]
    records.append(item(session(10, concerns=["a_concern_nobody_listed", "jobs"])))
    records.append(
        item(
            {"age_band": "age_18_24", "neighbourhood": " Bamburi ", "biggest_concerns": ["food"]},
            survey="community_feedback",
        )
    )
    ingest(db, records, Origin("api"))
    old_catch_up(db)
    assert db.execute("SELECT count(*) FROM submission_facts").fetchone()[0] == 11

    migrations.apply(db)
    assert pending(db) and facts(db) == 0
    assert catch_up(db) == 11 and not pending(db)
    assert facts(db) == db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    slot = db.execute("SELECT slot FROM facts_slots WHERE question = 'women'").fetchone()[0]
    women = db.execute(f"SELECT total(n{slot}) FROM submission_facts").fetchone()[0]
    assert women == sum(r["data"].get("women", 0) for r in records)
    area = db.execute("SELECT area FROM submission_facts WHERE survey_id = 'community_feedback'").fetchone()
    assert area == ("bamburi",)
    hits = db.execute("SELECT count(*) FROM submission_search WHERE submission_search MATCH 'market'")
    assert hits.fetchone()[0] == 10
    db.close()


def old_catch_up(db) -> None:
    """What the app ran before m0018: m0004's insert trigger SQL for every pending record."""
    spec = importlib.util.spec_from_file_location("m0004", MIGRATIONS_DIR / "m0004_review.py")
    m0004 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0004)
    columns = ["id", "survey_id", "version", "data", "received_at", "source", "link_id", "submitted_by"]
    columns += ["review_state", "validation", "has_conflict"]
    rows = db.execute(f"SELECT {', '.join(columns)} FROM submissions").fetchall()
    with db.conn:
        for statement in m0004._on_insert("new"):
            db.conn.executemany(
                statement.replace("new.", ":"), [dict(zip(columns, r, strict=True)) for r in rows]
            )


def test_nasty_stored_answers_never_stop_the_indexer(app, db):
    """Lone surrogates, huge numbers, NaN, lists where text is expected: indexed, never counted wrong."""
    nasty = [
        session(1, quotes="\ud800 alone", venue=["a", "list"]),
        session(2, women=10**30, district=["likoni"], session_date=12),
        session(3, women=float("nan"), concerns="jobs crime", networks="none"),
        session(4, networks=[1, "x", {"org_name": 5, "org_type": ["ngo"]}], safeguarding_flag={"x": 1}),
    ]
    ingest(db, [item(n) for n in nasty], Origin("api"))
    assert catch_up(db) == 4 and facts(db) == 4
    slot = db.execute("SELECT slot FROM facts_slots WHERE question = 'women'").fetchone()[0]
    women = [r[0] for r in db.execute(f"SELECT n{slot} FROM submission_facts ORDER BY fid")]
    assert women[1:3] == [None, None], "a huge or NaN count is not a count"
    assert db.execute("SELECT area FROM submission_facts WHERE fid = 2").fetchone() == (None,)
    concerns = db.execute("SELECT concerns FROM submission_facts WHERE fid = 3").fetchone()[0]
    assert json.loads(concerns) == ["jobs", "crime"]


def test_a_read_never_waits_for_a_backlog(app, client, db, monkeypatch, facilitator, coordinator):
    """With a backlog bigger than one bounded step, the read answers at once and says what waits."""
    monkeypatch.setattr(derived_index, "CHUNK", 2)
    app.config["INDEX_ON_READ_MS"] = 1
    send(client, facilitator, [item(session(n)) for n in range(12)])
    summary = client.get(SUMMARY, headers=coordinator).json
    waiting = summary["indexing"]["pending"]
    assert 0 < waiting < 12 and facts(db) == 12 - waiting
    assert summary["totals"]["records"] == facts(db)
    page = client.get("/coordinate/dashboard?survey=listening_session", headers=coordinator)
    assert "still being indexed" in page.text
    assert catch_up(db) > 0 and not pending(db)
    assert client.get(SUMMARY, headers=coordinator).json["indexing"]["pending"] == 0


def test_a_correction_after_indexing_takes_the_old_words_out(client, auth, db, facilitator, coordinator):
    record = item(session(2, women="twelve", quotes="Nobody mentioned the ferry."))
    send(client, facilitator, [record])
    assert searched(client, coordinator, "nobody ferry") == 1
    auth.login("coordinator")
    token = auth.csrf()
    fixed = session(2, quotes="The jetty lights came up again.")
    response = client.post(
        f"/coordinate/submissions/{record['id']}/correct",
        data={"csrf_token": token, "answers": json.dumps(fixed), "comment": "confirmed"},
    )
    assert response.status_code == 302
    assert searched(client, coordinator, "nobody ferry") == 0
    assert searched(client, coordinator, "jetty lights") == 1
    assert facts(db) == 1 and not pending(db)


def test_the_index_command_indexes_everything(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    db = connect(str(tmp_path / "cli.db"))
    ingest(db, [item(session(n)) for n in range(5)], Origin("api"))
    result = run_cli(tmp_path, "index")
    assert result.returncode == 0, result.stderr
    assert "5 records indexed" in result.stdout and facts(db) == 5 and not pending(db)
    db.close()


def test_number_columns_name_the_slot_of_each_block_number(app, db):
    """Readers look a question's column up (the action plans' evidence reads women and youth)."""
    ingest(db, [item(session(n)) for n in range(3)], Origin("api"))
    catch_up(db)
    columns = derived_index.number_columns(db, "listening_session")
    assert set(columns) == {
        "women",
        "men",
        "undisclosed",
        "youth",
        "trust_local_gov",
        "trust_police",
        "feel_safe",
    }
    women = db.execute(f"SELECT total({columns['women']}) FROM submission_facts").fetchone()[0]
    assert women == sum(session(n)["women"] for n in range(3))


def test_answers_with_a_lone_surrogate_are_indexed_readable_and_m0006_repairs_old_ones(tmp_path):
    """SQLite's JSON functions turn an escaped lone surrogate into bytes that are not UTF-8:
    indexed by m0004's SQL, they failed every read of the facts. m0006 takes those rows
    out on an old database; m0018 then indexes every record again, from cleaned answers
    (U+FFFD in place of each lone surrogate). The records stay as sent."""
    db = connect(str(tmp_path / "surrogates.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0006_reindex_lone_surrogates")
    install_builtins(db)
    broken = item(session(1, district="\ud800likoni", quotes="cut \udfff"))
    plain = item(session(2))
    ingest(db, [broken, plain], Origin("api"))
    stored = db.execute("SELECT data FROM submissions WHERE id = ?", [broken["id"]]).fetchone()[0]
    old_catch_up(db)  # how the index was filled before: from the stored text as it is
    with pytest.raises(sqlite3.OperationalError, match="UTF-8"):
        db.execute("SELECT area FROM submission_facts").fetchall()

    migrations.apply(db, stop_before="m0008_sessions_and_tokens")  # m0006 alone
    assert db.execute("SELECT area FROM submission_facts").fetchall() == [(session(2)["district"],)]

    migrations.apply(db)  # then m0018: every record indexed again, by the Python indexer
    assert catch_up(db) == 2 and not pending(db)
    areas = dict(db.execute("SELECT submission_id, area FROM submission_facts").fetchall())
    assert areas == {broken["id"]: "\ufffdlikoni", plain["id"]: session(2)["district"]}
    hits = db.execute("SELECT count(*) FROM submission_search WHERE submission_search MATCH 'cut'")
    assert hits.fetchone()[0] == 1
    assert db.execute("SELECT data FROM submissions WHERE id = ?", [broken["id"]]).fetchone()[0] == stored
    db.close()
