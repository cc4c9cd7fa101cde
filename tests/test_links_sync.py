"""Phones sync a link's records with the link's token: one survey only, nothing to read.

Records made while a link was open are accepted after it closed (paused, expired, full);
anything the link may not bring in refuses the whole batch with a 403, so the phone keeps
every record (the sync contract: a phone drops its copy only when the server has it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from support_links import ago, iso, make_link, record, set_link, sync

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


def test_records_started_before_a_pause_are_accepted_after_it(app, client, db):
    link = make_link(app)
    set_link(app, link.id, state="paused", state_changed_at=ago(hours=1))
    response = sync(client, link.token, [record(started_at=ago(hours=3)), record(started_at=ago(hours=2))])
    assert response.status_code == 200
    assert count(db, link.id) == 2


def test_a_record_started_after_the_pause_refuses_the_batch_and_says_why(app, client, db):
    link = make_link(app)
    set_link(app, link.id, state="paused", state_changed_at=ago(hours=1))
    before, after = record(started_at=ago(hours=2)), record(started_at=ago(minutes=10))
    response = sync(client, link.token, [before, after], headers={"Accept-Language": "sw"})
    assert response.status_code == 403
    assert response.json["errors"]["link"] == ["paused"]
    assert list(response.json["errors"]["refused"]) == [after["id"]]
    assert "imesimamishwa" in response.json["error"]  # Swahili: the survey speaks it
    assert count(db) == 0  # nothing of a refused batch is stored: the phone keeps both


def test_records_without_a_start_time_are_refused_once_closed(app, client, db):
    link = make_link(app)
    change_state(db, link.id, "pause", None)
    item = record()
    item["meta"] = {}
    response = sync(client, link.token, [item])
    assert response.status_code == 403 and count(db) == 0


def test_records_made_before_expiry_are_accepted_after_it(app, client, db):
    link = make_link(app)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    set_link(app, link.id, expires_at=f"{yesterday}T23:59:59.999+00:00")
    made = iso(datetime.fromisoformat(f"{yesterday}T18:00:00+00:00"))
    assert sync(client, link.token, [record(started_at=made)]).status_code == 200
    late = sync(client, link.token, [record(started_at=ago(minutes=1))])
    assert late.status_code == 403 and late.json["errors"]["link"] == ["expired"]


def test_a_full_link_still_takes_records_started_before_it_filled(app, client, db):
    link = make_link(app, max_submissions=2)
    early = record(started_at=ago(hours=5))  # filled in offline, synced late
    assert sync(client, link.token, [record(), record()]).status_code == 200
    assert sync(client, link.token, [early]).status_code == 200
    late = sync(client, link.token, [record(started_at=iso(datetime.now(UTC) + timedelta(seconds=1)))])
    assert late.status_code == 403 and late.json["errors"]["link"] == ["full"]
    assert count(db, link.id) == 3


def test_a_revoked_link_takes_nothing_new_but_answers_replays(app, client, db):
    link = make_link(app)
    sent = record(started_at=ago(hours=2))
    assert sync(client, link.token, [sent]).status_code == 200
    change_state(db, link.id, "revoke", None)
    new = record(started_at=ago(hours=3))
    refused = sync(client, link.token, [new])
    assert refused.status_code == 403 and refused.json["errors"]["link"] == ["revoked"]
    assert "backup file" in refused.json["error"]
    replay = sync(client, link.token, [sent])
    assert replay.status_code == 200 and replay.json["results"][0]["status"] == "duplicate"
    assert count(db, link.id) == 1


def test_a_revoked_link_forgets_its_token_but_still_recognises_it(app, client, db):
    link = make_link(app)
    change_state(db, link.id, "revoke", None)
    row = db.execute("SELECT token, token_hash FROM public_links WHERE id = ?", [link.id]).fetchone()
    assert row[0] is None and row[1]
    assert client.get(f"/p/{link.token}").status_code == 410
    assert client.get(f"/api/v1/links/{link.token}/survey").status_code == 403
