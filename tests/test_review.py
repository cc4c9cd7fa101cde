"""Review: states with history, the queues, corrections that keep the original, conflicts."""

from __future__ import annotations

import json

import pytest
from conftest import csrf_from
from support_coordinators import item, send, session

from survey_app.db import connect
from survey_app.migrate import load_migrations
from survey_app.records.derived_index import catch_up
from survey_app.surveys.registry import install_builtins
from survey_app.sync.ingest import Origin, ingest


@pytest.fixture
def facilitator_token(token_for):
    return token_for("facilitator")


def page_token(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return csrf_from(response.text)


def review(client, record_id: str, state: str, comment: str = ""):
    token = page_token(client, f"/coordinate/submissions/{record_id}")
    return client.post(
        f"/coordinate/submissions/{record_id}/review",
        data={"csrf_token": token, "state": state, "comment": comment},
    )


def test_state_changes_are_kept_with_their_comments(client, auth, db, facilitator_token):
    record = item(session(1))
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    assert review(client, record["id"], "has_issues", "Ward looks wrong").status_code == 302
    assert review(client, record["id"], "approved", "Checked with the facilitator").status_code == 302
    assert review(client, record["id"], "approved", "").status_code == 302  # nothing new: no event
    state = db.execute("SELECT review_state FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0]
    assert state == "approved"
    events = db.execute(
        "SELECT e.from_state, e.to_state, e.comment, u.username FROM review_events e"
        " JOIN users u ON u.id = e.actor_id WHERE e.submission_id = ? ORDER BY e.id",
        [record["id"]],
    ).fetchall()
    assert events == [
        ("received", "has_issues", "Ward looks wrong", "coordinator"),
        ("has_issues", "approved", "Checked with the facilitator", "coordinator"),
    ]
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    assert "Ward looks wrong" in page and "Checked with the facilitator" in page
    approved = client.get("/api/v1/surveys/listening_session/submissions.json?state=approved").json
    assert [r["id"] for r in approved] == [record["id"]]
    stored = json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0])
    assert stored == record["data"], "reviewing never touches the answers"


def test_review_needs_a_valid_state_and_csrf(client, auth, facilitator_token):
    record = item(session(1))
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    assert review(client, record["id"], "maybe").status_code == 400
    no_csrf = client.post(f"/coordinate/submissions/{record['id']}/review", data={"state": "approved"})
    assert no_csrf.status_code == 400


def test_a_facilitator_cannot_review(client, auth, facilitator_token):
    record = item(session(1))
    send(client, facilitator_token, [record])
    auth.login("facilitator")
    token = auth.csrf()
    response = client.post(
        f"/coordinate/submissions/{record['id']}/review", data={"csrf_token": token, "state": "approved"}
    )
    assert response.status_code == 403
    assert client.get("/coordinate/review").status_code == 403


def test_queues_list_quarantined_conflicts_and_safeguarding(client, auth, facilitator_token):
    broken = item(session(2, youth=999))
    flagged = item(session(3))
    assert flagged["data"]["safeguarding_flag"] == "yes"
    twice = item(session(4))
    send(client, facilitator_token, [broken, flagged, twice])
    changed = dict(twice, data=session(4, venue="Another hall"))
    assert send(client, facilitator_token, [changed])[0]["status"] == "conflict"
    auth.login("coordinator")
    page = client.get("/coordinate/review").text
    for record in (broken, flagged, twice):
        assert record["id"][:8] in page
    assert "youth" in page and "Cannot be more than the total number of participants" in page
    review(client, flagged["id"], "approved", "Called the facilitator")
    assert flagged["id"][:8] not in client.get("/coordinate/review").text


def correct(client, record_id: str, answers, comment: str = "fixed"):
    token = page_token(client, f"/coordinate/submissions/{record_id}/correct")
    text = answers if isinstance(answers, str) else json.dumps(answers)
    return client.post(
        f"/coordinate/submissions/{record_id}/correct",
        data={"csrf_token": token, "answers": text, "comment": comment},
    )


def test_correction_revalidates_and_keeps_the_original(client, auth, db, facilitator_token):
    record = item(session(5, women="twelve", quotes="Nobody mentioned the ferry."))
    assert send(client, facilitator_token, [record])[0]["status"] == "quarantined"
    auth.login("coordinator")
    sent_row = db.execute(
        "SELECT data, content_hash FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()

    still_wrong = dict(record["data"], women=-4)
    response = correct(client, record["id"], still_wrong)
    assert response.status_code == 400 and "women" in response.text
    assert correct(client, record["id"], "{not json").status_code == 400
    assert (
        db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0] == sent_row[0]
    )

    fixed = session(5, quotes="The ferry queue at night came up again.")
    response = correct(client, record["id"], fixed, "Facilitator confirmed 12 women")
    assert response.status_code == 302
    data, validation, errors, content_hash = db.execute(
        "SELECT data, validation, errors, content_hash FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()
    assert json.loads(data) == fixed and validation == "valid" and errors is None
    assert content_hash == sent_row[1], "the hash still names what the phone sent"
    original, comment, who = db.execute(
        "SELECT c.original_data, c.comment, u.username FROM submission_corrections c"
        " JOIN users u ON u.id = c.corrected_by WHERE c.submission_id = ?",
        [record["id"]],
    ).fetchone()
    assert original == sent_row[0] and json.loads(original)["women"] == "twelve"
    assert (comment, who) == ("Facilitator confirmed 12 women", "coordinator")
    event = db.execute(
        "SELECT action, from_state, to_state FROM review_events WHERE submission_id = ?", [record["id"]]
    ).fetchone()
    assert event == ("correction", "quarantined", "valid")
    # The phone may replay what it sent: still a harmless duplicate, never a conflict.
    assert send(client, facilitator_token, [record])[0]["status"] == "duplicate"
    # Search, filters and the detail page follow the corrected answers.
    found = client.get("/api/v1/surveys/listening_session/submissions.json?q=ferry%20queue").json
    assert [r["id"] for r in found] == [record["id"]]
    assert client.get("/api/v1/surveys/listening_session/submissions.json?q=mentioned").json == []
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    assert "Nobody mentioned the ferry." in page, "the original is shown beside the correction"
    with pytest.raises(Exception, match="never changed"):
        db.execute("UPDATE submission_corrections SET original_data = '{}'")


def test_a_received_record_is_corrected_too_keeping_the_original(client, auth, db, facilitator_token):
    record = item(session(6))
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    assert correct(client, record["id"], session(6, venue="Elsewhere")).status_code == 302
    original, before, after = db.execute(
        "SELECT original_data, original_validation, corrected_validation FROM submission_corrections"
        " WHERE submission_id = ?",
        [record["id"]],
    ).fetchone()
    assert json.loads(original)["venue"] == "Hall 6" and (before, after) == ("valid", "valid")


def test_conflicts_side_by_side_then_adopt_keeps_what_it_replaced(client, auth, db, facilitator_token):
    record = item(session(7, venue="Old hall"))
    send(client, facilitator_token, [record])
    copy = dict(record, data=session(7, venue="New hall"))
    assert send(client, facilitator_token, [copy])[0]["status"] == "conflict"
    auth.login("coordinator")
    page = client.get(f"/coordinate/submissions/{record['id']}")
    assert "Old hall" in page.text and "New hall" in page.text and 'class="differs"' in page.text
    conflict_id = db.execute(
        "SELECT id FROM submission_conflicts WHERE submission_id = ?", [record["id"]]
    ).fetchone()[0]
    token = csrf_from(page.text)
    response = client.post(
        f"/coordinate/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, f"c{conflict_id}-decision": "adopt", f"c{conflict_id}-comment": "newer"},
    )
    assert response.status_code == 302
    data, has_conflict = db.execute(
        "SELECT data, has_conflict FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()
    assert json.loads(data)["venue"] == "New hall" and has_conflict == 0
    kept = db.execute(
        "SELECT original_data FROM submission_corrections WHERE submission_id = ?", [record["id"]]
    ).fetchone()[0]
    assert json.loads(kept)["venue"] == "Old hall"
    again = client.post(
        f"/coordinate/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, f"c{conflict_id}-decision": "keep"},
    )
    assert again.status_code == 409
    assert record["id"][:8] not in client.get("/coordinate/review").text


def test_keep_decision_leaves_the_answers(client, auth, db, facilitator_token):
    record = item(session(7, venue="Old hall"))
    send(client, facilitator_token, [record])
    send(client, facilitator_token, [dict(record, data=session(7, venue="New hall"))])
    auth.login("coordinator")
    conflict_id = db.execute("SELECT id FROM submission_conflicts").fetchone()[0]
    token = page_token(client, f"/coordinate/submissions/{record['id']}")
    client.post(
        f"/coordinate/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, f"c{conflict_id}-decision": "keep"},
    )
    data, has_conflict = db.execute(
        "SELECT data, has_conflict FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()
    assert json.loads(data)["venue"] == "Old hall" and has_conflict == 0
    assert db.execute("SELECT decision FROM conflict_resolutions").fetchone()[0] == "kept"


def test_migration_indexes_records_stored_before_it(tmp_path):
    """Records already in a database are indexed (facts, networks, search) after m0018 runs."""
    db = connect(str(tmp_path / "old.db"))
    migrations = load_migrations()
    migrations.apply(db, stop_before="m0004_review")
    install_builtins(db)
    records = [item(session(n)) for n in range(6)] + [item(session(9, women=float("nan")))]
    ingest(db, records, Origin("api"))
    migrations.apply(db)
    assert catch_up(db) == 7
    slot = db.execute("SELECT slot FROM facts_slots WHERE question = 'women'").fetchone()[0]
    facts = db.execute(f"SELECT count(*), sum(n{slot}) FROM submission_facts").fetchone()
    assert facts == (7, sum(r["data"]["women"] for r in records[:6])), "NaN is kept, never counted"
    networks = db.execute("SELECT count(*) FROM submission_networks").fetchone()[0]
    assert networks == sum(len(r["data"].get("networks", [])) for r in records)
    hits = db.execute("SELECT count(*) FROM submission_search WHERE submission_search MATCH 'market'")
    assert hits.fetchone()[0] == 7
    db.close()


def test_api_error_for_unknown_record(client, auth):
    auth.login("coordinator")
    assert client.get("/coordinate/submissions/nope").status_code == 404
    assert client.get("/coordinate/submissions/nope/correct").status_code == 404


def test_the_landing_page_puts_safeguarding_flags_first_with_labels(client, auth, token_for):
    flagged = item(session(2, safeguarding_flag="yes"))
    plain = item(session(4))
    wrong = item(session(1, ward="bamburi"))  # bamburi is not a ward of the district chosen
    send(client, token_for("facilitator"), [flagged, plain, wrong])
    auth.login("coordinator")
    page = client.get("/coordinate")
    assert page.status_code == 200
    html = page.text
    order = [html.index(f'id="{key}-h"') for key in ("safeguarding", "new", "quarantined", "conflicts")]
    assert order == sorted(order), "safeguarding flags first, then new records, quarantine, conflicts"
    flags = html[order[0] : order[1]]
    assert flagged["id"][:8] in flags and "Community listening session" in flags
    assert "Kisauni" in flags and "kisauni," not in flags, "area labels, not codes"
    assert plain["id"][:8] in html[order[1] : order[2]]
    quarantine = html[order[2] : order[3]]
    assert wrong["id"][:8] in quarantine and "${district}" not in quarantine
    assert "Which district?" in quarantine
    auth.login("facilitator")
    assert client.get("/coordinate").status_code == 403


def test_the_conflict_view_shows_what_differs_first(client, auth, facilitator_token):
    record = item(session(1, venue="Old hall"))
    send(client, facilitator_token, [record])
    send(client, facilitator_token, [dict(record, data=dict(record["data"], venue="New hall"))])
    auth.login("coordinator")
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    conflict = page[page.index('class="conflict"') :]
    differs = conflict[: conflict.index('class="same-answers"')]
    assert "What differs: 1" in differs and "Old hall" in differs and "New hall" in differs
    same = conflict[conflict.index('class="same-answers"') : conflict.index("</details>")]
    assert "<summary>" in same and "Old hall" not in same, "the ~50 equal answers are folded away"
    assert "Women&#39;s group" in same
