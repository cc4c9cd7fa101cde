"""Conflict copies only from whoever owns the record; anyone else gets an item-level refusal.

A record id already stored, sent again with other answers, becomes a conflict copy only
from the same account, the same public link, or a coordinator importing that account's
(or link's) backup file, and only for the same survey. Anything else is
``{"id", "status": "refused", "reason": "not_yours", "message"}``: the same answer whatever
the existing record is, nothing stored, and the rest of the batch goes through.
"""

from __future__ import annotations

import json
import uuid

from conftest import csrf_from
from support_links import form_fields, make_link, record, sync
from test_sync_api import feedback_answers, item

from survey_app.db import write_transaction


def post(client, token: str, items: list[dict], **headers):
    response = client.post(
        "/api/v1/submissions",
        json={"submissions": items},
        headers={"Authorization": f"Bearer {token}", **headers},
    )
    assert response.status_code == 200, response.json
    return response.json["results"]


def changed(original: dict, **overrides) -> dict:
    return {**original, "data": feedback_answers(biggest_difference="Someone else's words"), **overrides}


def conflicts(db) -> int:
    return db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0]


def flagged(db, record_id: str) -> int:
    return db.execute("SELECT has_conflict FROM submissions WHERE id = ?", [record_id]).fetchone()[0]


def test_the_same_account_still_gets_a_conflict_copy(client, token_for, db):
    token = token_for("facilitator")
    first = item()
    post(client, token, [first])
    assert post(client, token, [changed(first)])[0]["status"] == "conflict"
    assert conflicts(db) == 1


def test_another_account_is_refused_and_nothing_is_written(client, token_for, db):
    first = item()
    post(client, token_for("facilitator"), [first])
    other = token_for("coordinator")
    fresh = item()
    results = post(client, other, [changed(first), fresh])
    assert results[0] == {
        "id": first["id"],
        "status": "refused",
        "reason": "not_yours",
        "message": results[0]["message"],
    }
    assert "backup file" in results[0]["message"]
    assert results[1]["status"] == "stored"  # the rest of the batch is not blocked
    assert conflicts(db) == 0 and flagged(db, first["id"]) == 0


def test_the_refusal_says_nothing_about_the_existing_record(app, client, token_for, db):
    """Another account's record, another survey's, a link's: one and the same answer."""
    facilitator, coordinator = token_for("facilitator"), token_for("coordinator")
    mine_elsewhere = item(survey="listening_session", data={"venue": "Hall"})
    theirs = item()
    post(client, coordinator, [mine_elsewhere])
    post(client, facilitator, [theirs])
    link = make_link(app)
    from_link = record()
    sync(client, link.token, [from_link])
    answers = post(
        client,
        coordinator,
        [changed(mine_elsewhere, survey="community_feedback"), changed(theirs), changed(from_link)],
    )
    same = {"status": "refused", "reason": "not_yours", "message": answers[0]["message"]}
    assert [{k: v for k, v in r.items() if k != "id"} for r in answers] == [same] * 3
    assert conflicts(db) == 0


def test_a_link_cannot_attach_a_copy_to_an_accounts_record_or_another_links(app, client, token_for, db):
    account_record = item()
    post(client, token_for("facilitator"), [account_record])
    first, second = make_link(app), make_link(app, label="Another group")
    own = record()
    sync(client, first.token, [own])
    response = sync(client, second.token, [changed(account_record), changed(own)])
    results = response.json["results"]
    assert [r["status"] for r in results] == ["refused", "refused"]
    assert {r["reason"] for r in results} == {"not_yours"}
    assert results[0]["message"] != "" and conflicts(db) == 0
    assert sync(client, first.token, [changed(own)]).json["results"][0]["status"] == "conflict"


def test_the_message_is_in_the_callers_language(client, token_for):
    first = item()
    post(client, token_for("facilitator"), [first])
    [answer] = post(client, token_for("coordinator"), [changed(first)], **{"Accept-Language": "fr"})
    assert answer["status"] == "refused" and "sauvegarde" in answer["message"]


def test_an_identical_replay_from_anyone_is_still_a_duplicate(client, token_for):
    """A phone (or a second import of the same file) holding an exact copy can let go."""
    first = item()
    post(client, token_for("facilitator"), [first])
    assert post(client, token_for("coordinator"), [first])[0]["status"] == "duplicate"


def _import(client, auth, account: str, items: list[dict]):
    body = json.dumps({"format": "survey-app-backup", "account": account, "submissions": items})
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    return client.post("/api/v1/submissions/import", data=body, headers=headers)


def test_a_coordinator_imports_copies_only_from_the_records_own_account(app, client, auth, token_for, db):
    first, second = item(), item()
    post(client, token_for("facilitator"), [first, second])
    link = make_link(app)
    from_link = record()
    sync(client, link.token, [from_link])
    auth.login("coordinator")
    own = _import(client, auth, "facilitator", [changed(first)])
    assert own.json["results"][0]["status"] == "conflict"
    foreign = _import(client, auth, "admin", [changed(second), changed(from_link)])
    assert [r["status"] for r in foreign.json["results"]] == ["refused", "refused"]
    assert foreign.json["counts"]["refused"] == 2
    links_file = _import(client, auth, f"link:{link.id}", [changed(from_link)])
    assert links_file.json["results"][0]["status"] == "conflict"
    assert conflicts(db) == 2


def test_adopting_a_copy_of_another_survey_is_refused_and_the_record_stays(client, auth, token_for, db):
    """Copies from before the rule (any caller, any survey) may still be in a database."""
    first = item()
    post(client, token_for("facilitator"), [first])
    with write_transaction(db):
        db.execute(
            "INSERT INTO submission_conflicts (submission_id, survey_id, version, data, meta,"
            " content_hash, source, received_at) VALUES (?, 'listening_session', '1', ?, '{}', ?, 'api', ?)",
            [first["id"], json.dumps({"venue": "Hall"}), uuid.uuid4().hex, "2026-11-20T10:00:00Z"],
        )
        db.execute("UPDATE submissions SET has_conflict = 1 WHERE id = ?", [first["id"]])
    conflict_id = db.execute("SELECT id FROM submission_conflicts").fetchone()[0]
    auth.login("coordinator")
    token = csrf_from(client.get(f"/coordinate/submissions/{first['id']}").text)
    response = client.post(
        f"/coordinate/conflicts/{conflict_id}/resolve",
        data={"csrf_token": token, f"c{conflict_id}-decision": "adopt"},
    )
    assert response.status_code == 409
    row = db.execute("SELECT data, survey_id FROM submissions WHERE id = ?", [first["id"]]).fetchone()
    data, survey = row
    assert json.loads(data) == first["data"] and survey == "community_feedback"
    assert client.get(f"/coordinate/submissions/{first['id']}").status_code == 200


def test_a_form_post_reusing_another_accounts_record_id_is_kept_under_a_new_id(client, auth, token_for, db):
    first = item()
    post(client, token_for("coordinator"), [first])
    auth.login("facilitator")
    page = client.get("/forms/community_feedback").text
    fields = form_fields(_id=first["id"], csrf_token=csrf_from(page))
    assert client.post("/forms/community_feedback", data=fields).status_code == 302
    rows = db.execute("SELECT id, data FROM submissions ORDER BY rowid").fetchall()
    assert len(rows) == 2 and rows[0][0] == first["id"] != rows[1][0] and conflicts(db) == 0
    assert json.loads(rows[0][1]) == first["data"]  # the coordinator's record is untouched
