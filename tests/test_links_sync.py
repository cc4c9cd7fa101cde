"""Phones sync a link's records with the link's token: one survey only, nothing to read.

Records made on a page served while the link was open (they carry its ticket) are accepted
after it closed (paused, expired, full); a back-dated ``started_at`` proves nothing. A
record the closed link cannot take is refused on its own (item status ``refused``), the
rest of the batch is stored; another survey or a revoked link refuses the whole batch with
a 403 (the sync contract: a phone drops its copy only when the server has it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from support_links import ago, iso, make_link, page_ticket, record, set_link, sync, ticket

from survey_app.links.model import change_state


def count(db, link_id=None) -> int:
    if link_id is None:
        return db.execute("SELECT count(*) FROM submissions").fetchone()[0]
    return db.execute("SELECT count(*) FROM submissions WHERE link_id = ?", [link_id]).fetchone()[0]


def test_batch_through_a_link_is_stored_and_replays_are_duplicates(app, client, db):
    link = make_link(app)
    items = [record(), record()]
    response = sync(client, link.token, items)
    assert response.status_code == 200, response.json
    assert [r["status"] for r in response.json["results"]] == ["stored", "stored"]
    again = sync(client, link.token, items)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    rows = list(db.query("SELECT source, submitted_by, link_id FROM submissions"))
    assert rows == [{"source": "link", "submitted_by": None, "link_id": link.id}] * 2


def test_no_csrf_and_no_session_are_needed(app, client):
    link = make_link(app)
    response = client.post(
        f"/api/v1/links/{link.token}/submissions",
        data=json.dumps({"submissions": [record()]}),
        content_type="application/json",
    )
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_invalid_answers_are_quarantined_not_refused(app, client, db):
    link = make_link(app)
    item = record()
    item["data"]["feel_safe"] = 9
    response = sync(client, link.token, [item])
    assert response.json["results"][0]["status"] == "quarantined"
    assert count(db, link.id) == 1


def test_identifying_metadata_is_not_kept(app, client, db):
    link = make_link(app)
    item = record(device_id="phone-7f3a", user_agent="Mozilla/5.0 canary")
    item["client_ip"] = "198.51.100.9"
    assert sync(client, link.token, [item]).status_code == 200
    meta = json.loads(db.execute("SELECT meta FROM submissions").fetchone()[0])
    assert meta == {k: item["meta"][k] for k in ("started_at", "finalized_at", "app_version")}


def test_another_survey_in_the_batch_refuses_the_whole_batch(app, client, db):
    link = make_link(app)
    good, other = record(), record(survey="listening_session")
    response = sync(client, link.token, [good, other])
    assert response.status_code == 403
    body = response.json
    assert body["ok"] is False and body["status"] == 403
    assert list(body["errors"]["refused"]) == [other["id"]]
    assert count(db) == 0


def test_the_token_reads_nothing_but_its_own_survey(app, client):
    link = make_link(app)
    bearer = {"Authorization": f"Bearer {link.token}"}
    assert client.get("/api/v1/surveys", headers=bearer).status_code == 401
    assert client.get("/api/v1/surveys/listening_session", headers=bearer).status_code == 401
    export = client.get("/api/v1/surveys/community_feedback/submissions.csv", headers=bearer)
    assert export.status_code == 401
    assert (
        client.post("/api/v1/submissions", json={"submissions": [record()]}, headers=bearer).status_code
        == 401
    )
    own = client.get(f"/api/v1/links/{link.token}/survey")
    assert own.status_code == 200 and own.json["id"] == "community_feedback"
    assert client.get(f"/api/v1/links/{link.token}/survey?version=99").status_code == 404


def test_unknown_token_is_404_in_the_one_error_shape(client):
    response = sync(client, "no-such-token", [record()])
    assert response.status_code == 404
    assert set(response.json) == {"ok", "error", "errors", "status"}
    assert response.json["errors"] == {"link": ["unknown"]}


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"", 400), (b'{"submissions": "x"}', 400), (b"[1, 2]", 400)],
)
def test_malformed_bodies_are_clear_4xx(app, client, body, status):
    link = make_link(app)
    response = client.post(
        f"/api/v1/links/{link.token}/submissions", data=body, content_type="application/json"
    )
    assert response.status_code == status and response.json["ok"] is False


def test_link_batches_are_bounded(app, client, db):
    link = make_link(app)
    response = sync(client, link.token, [record() for _ in range(101)])
    assert response.status_code == 413 and count(db) == 0


def statuses(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [r["status"] for r in response.json["results"]]


def test_records_from_a_page_opened_before_a_pause_are_accepted_after_it(app, client, db):
    link = make_link(app)
    opened = page_ticket(client, link.token)  # the form page, served while the link is open
    change_state(db, link.id, "pause", None)
    response = sync(client, link.token, [record(link_ticket=opened), record(link_ticket=opened)])
    assert statuses(response) == ["stored", "stored"]
    assert count(db, link.id) == 2


def test_back_dated_start_times_do_not_get_past_a_full_link(app, client, db):
    """The review's reproduction: a --max 1 link took 21 records with back-dated start times."""
    link = make_link(app, max_submissions=1)
    one_by_one = [sync(client, link.token, [record(started_at=ago(days=3))]) for _ in range(11)]
    in_one_batch = sync(client, link.token, [record(started_at=ago(days=3)) for _ in range(10)])
    assert [statuses(r)[0] for r in one_by_one] == ["stored"] + ["refused"] * 10
    assert statuses(in_one_batch) == ["refused"] * 10
    assert count(db, link.id) == 1


def test_a_batch_arriving_while_open_stops_at_the_cap_without_tickets(app, client, db):
    link = make_link(app, max_submissions=2)
    response = sync(client, link.token, [record() for _ in range(5)])
    assert statuses(response) == ["stored", "stored", "refused", "refused", "refused"]
    assert count(db, link.id) == 2


def expired_yesterday(app, link_id: int) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    set_link(app, link_id, expires_at=f"{yesterday}T23:59:59.999+00:00")


def test_a_forged_or_foreign_ticket_is_refused_once_closed(app, client, db):
    link, other = make_link(app), make_link(app, label="Another group")
    genuine = ticket(app, link.id, days=2)
    expired_yesterday(app, link.id)
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    from survey_app.links import tickets

    other_key = tickets.issue("not-this-server's-secret", link.id)
    items = [
        record(link_ticket=forged),
        record(link_ticket=ticket(app, other.id, days=2)),  # another link's
        record(link_ticket=other_key),
        record(link_ticket={"l": link.id, "t": 0}),
        record(),  # none at all
        record(link_ticket=genuine),
    ]
    assert statuses(sync(client, link.token, items)) == ["refused"] * 5 + ["stored"]
    assert count(db, link.id) == 1


def test_a_record_an_expired_link_cannot_take_is_refused_alone_and_says_why(app, client, db):
    link = make_link(app)
    opened = ticket(app, link.id, days=2)
    expired_yesterday(app, link.id)
    before, after = record(link_ticket=opened), record(link_ticket=ticket(app, link.id, minutes=10))
    response = sync(client, link.token, [before, after], headers={"Accept-Language": "sw"})
    assert statuses(response) == ["stored", "refused"]
    refused = response.json["results"][1]
    assert refused == {
        "id": after["id"],
        "status": "refused",
        "reason": "link_closed",
        "message": refused["message"],
    }
    assert "muda wa kujibu umekwisha" in refused["message"]  # Swahili: the survey speaks it
    assert count(db, link.id) == 1


def test_a_record_a_paused_link_cannot_take_refuses_the_batch_to_be_sent_again(app, client, db):
    """A pause can end, so this is no "never": 403, nothing stored, the phone retries later."""
    link = make_link(app)
    opened = ticket(app, link.id, hours=2)
    set_link(app, link.id, state="paused", state_changed_at=ago(hours=1))
    before, after = record(link_ticket=opened), record(link_ticket=ticket(app, link.id, minutes=10))
    response = sync(client, link.token, [before, after], headers={"Accept-Language": "sw"})
    assert response.status_code == 403
    assert response.json["errors"]["link"] == ["paused"]
    assert list(response.json["errors"]["refused"]) == [after["id"]]
    assert "imesimamishwa" in response.json["error"]  # Swahili: the survey speaks it
    assert count(db) == 0  # the phone keeps both, and sends the first again on its own
    assert statuses(sync(client, link.token, [before])) == ["stored"]
    set_link(app, link.id, state="active", state_changed_at=ago(seconds=1))  # resumed
    assert statuses(sync(client, link.token, [after])) == ["stored"]


def test_records_made_before_expiry_are_accepted_after_it(app, client, db):
    link = make_link(app)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    set_link(app, link.id, expires_at=f"{yesterday}T23:59:59.999+00:00")
    evening = datetime.fromisoformat(f"{yesterday}T18:00:00+00:00")
    from survey_app.links import tickets

    made = tickets.issue(app.config["SECRET_KEY"], link.id, evening)
    assert statuses(sync(client, link.token, [record(link_ticket=made)])) == ["stored"]
    late = sync(client, link.token, [record(started_at=iso(evening))])  # a claim, no ticket
    assert statuses(late) == ["refused"]


def test_a_stale_ticket_vouches_for_nothing(app, client, db):
    link = make_link(app)
    old = ticket(app, link.id, days=app.config["LINK_TICKET_DAYS"] + 1)
    change_state(db, link.id, "pause", None)
    refused = sync(client, link.token, [record(link_ticket=old)])
    assert refused.status_code == 403 and count(db) == 0


def test_an_open_link_takes_records_without_a_ticket(app, client, db):
    link = make_link(app)  # old phones, cached pages from before tickets
    assert statuses(sync(client, link.token, [record(), record(link_ticket="junk")])) == ["stored", "stored"]


def test_the_ticket_is_not_stored_and_is_the_same_for_everyone_in_its_window(app, client, db):
    link = make_link(app)
    first, second = page_ticket(client, link.token), page_ticket(app.test_client(), link.token)
    assert first == second  # no per-device or per-page id: ten-minute windows
    sync(client, link.token, [record(link_ticket=first)])
    row = db.execute("SELECT meta FROM submissions WHERE link_id = ?", [link.id]).fetchone()
    assert "link_ticket" not in json.loads(row[0]) and first not in row[0]


def test_a_full_link_still_takes_records_from_pages_opened_before_it_filled(app, client, db):
    link = make_link(app, max_submissions=2)
    opened = page_ticket(client, link.token)  # filled in offline, synced late
    assert statuses(sync(client, link.token, [record(), record()])) == ["stored", "stored"]
    assert statuses(sync(client, link.token, [record(link_ticket=opened)])) == ["stored"]
    late = sync(client, link.token, [record(started_at=ago(hours=5))])
    assert statuses(late) == ["refused"]
    assert client.get(f"/p/{link.token}").status_code == 403  # no page, so no new ticket
    assert count(db, link.id) == 3


def test_a_revoked_link_takes_nothing_new_but_answers_replays(app, client, db):
    link = make_link(app)
    opened = page_ticket(client, link.token)
    sent = record(link_ticket=opened)
    assert sync(client, link.token, [sent]).status_code == 200
    change_state(db, link.id, "revoke", None)
    new = record(link_ticket=opened)
    refused = sync(client, link.token, [new])
    assert refused.status_code == 403 and refused.json["errors"]["link"] == ["revoked"]
    assert "backup file" in refused.json["error"]
    replay = sync(client, link.token, [sent])
    assert replay.status_code == 200 and replay.json["results"][0]["status"] == "duplicate"
    assert count(db, link.id) == 1


def test_a_revoked_link_writes_no_conflict_copy_of_an_id_it_holds(app, client, db):
    link = make_link(app)
    sent = record()
    assert sync(client, link.token, [sent]).status_code == 200
    change_state(db, link.id, "revoke", None)
    copy = {**sent, "data": {**sent["data"], "biggest_difference": "x" * 1000}}
    response = sync(client, link.token, [copy])
    assert response.status_code == 403 and list(response.json["errors"]["refused"]) == [sent["id"]]
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 0
    assert sync(client, link.token, [sent, copy]).status_code == 403
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 0


def test_a_revoked_link_forgets_its_token_but_still_recognises_it(app, client, db):
    link = make_link(app)
    change_state(db, link.id, "revoke", None)
    row = db.execute("SELECT token, token_hash FROM public_links WHERE id = ?", [link.id]).fetchone()
    assert row[0] is None and row[1]
    assert client.get(f"/p/{link.token}").status_code == 410
    assert client.get(f"/api/v1/links/{link.token}/survey").status_code == 403
