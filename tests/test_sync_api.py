"""The sync contract v1: per-item statuses, idempotency, and envelope errors that lose nothing."""

from __future__ import annotations

import json
import uuid

import pytest

VALID = {
    "session_date": "2026-11-20",
    "district": "likoni",
    "consent": "yes",
    "women": 12,
    "men": 8,
    "undisclosed": 0,
}


def item(data=None, **overrides):
    return {
        "id": str(uuid.uuid4()),
        "survey": "community_feedback",
        "version": "1",
        "data": data if data is not None else feedback_answers(),
        "meta": {"started_at": "2026-11-20T10:00:00Z", "device_id": "phone-1", "app_version": "t"},
        **overrides,
    }


def feedback_answers(**changes):
    answers = {
        "age_band": "age_18_24",
        "gender": "woman",
        "member_group": "womens_group",
        "biggest_concerns": ["jobs", "water_sanitation"],
        "feel_safe": 3,
        "trust_city_act": 2,
        "biggest_difference": "Street lights and jobs for young people.",
    }
    answers.update(changes)
    return answers


@pytest.fixture
def api(client, token_for):
    """POST a batch with a facilitator's API token."""
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}

    def post(body, raw=False, **kwargs):
        payload = body if raw else json.dumps(body)
        return client.post(
            "/api/v1/submissions", data=payload, headers=headers, content_type="application/json", **kwargs
        )

    return post


def test_the_feedback_answers_used_here_are_valid(app, db):
    from survey_app.surveys.registry import get_definition
    from survey_app.surveys.validation import validate_submission

    assert validate_submission(get_definition(db, "community_feedback"), feedback_answers()) == {}


def test_four_statuses_and_all_four_are_stored(api, db):
    first = item()
    response = api({"submissions": [first]})
    assert response.status_code == 200
    assert response.json["results"] == [{"id": first["id"], "status": "stored"}]

    replay = api({"submissions": [first]})
    assert replay.json["results"] == [{"id": first["id"], "status": "duplicate"}]

    changed = {**first, "data": feedback_answers(feel_safe=5)}
    conflict = api({"submissions": [changed]})
    assert conflict.json["results"] == [{"id": first["id"], "status": "conflict"}]

    broken = item(feedback_answers(feel_safe=9, gender="martian"))
    quarantined = api({"submissions": [broken]})
    result = quarantined.json["results"][0]
    assert result["status"] == "quarantined"
    assert set(result["errors"]) == {"feel_safe", "gender"}

    rows = {r["id"]: r for r in db.query("SELECT * FROM submissions")}
    assert rows[first["id"]]["validation"] == "valid"
    assert rows[first["id"]]["has_conflict"] == 1
    assert json.loads(rows[first["id"]]["data"]) == first["data"]
    assert rows[broken["id"]]["validation"] == "quarantined"
    assert json.loads(rows[broken["id"]]["data"]) == broken["data"], "quarantined data kept as sent"
    assert "feel_safe" in json.loads(rows[broken["id"]]["errors"])
    conflicts = list(db.query("SELECT * FROM submission_conflicts"))
    assert len(conflicts) == 1
    assert json.loads(conflicts[0]["data"])["feel_safe"] == 5


def test_replaying_a_conflict_keeps_one_copy(api, db):
    first = item()
    api({"submissions": [first]})
    changed = {**first, "data": feedback_answers(feel_safe=1)}
    api({"submissions": [changed]})
    api({"submissions": [changed]})
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 1


def test_one_batch_is_one_result_per_item_in_order(api, db):
    items = [item() for _ in range(30)]
    items.append(items[0])  # the same record twice in one batch
    results = api({"submissions": items}).json["results"]
    assert [r["id"] for r in results] == [i["id"] for i in items]
    assert [r["status"] for r in results] == ["stored"] * 30 + ["duplicate"]
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 30


def test_a_changed_copy_later_in_the_same_batch_is_a_conflict_of_the_stored_record(api, db):
    # New records of a batch are inserted together; a conflict must still find its record.
    first, other = item(), item()
    changed = {**first, "data": feedback_answers(feel_safe=1)}
    results = api({"submissions": [first, other, changed, item()]}).json["results"]
    assert [r["status"] for r in results] == ["stored", "stored", "conflict", "stored"]
    row = db.execute("SELECT has_conflict, data FROM submissions WHERE id = ?", [first["id"]]).fetchone()
    assert row[0] == 1 and json.loads(row[1]) == first["data"]
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 3
    order = [r[0] for r in db.execute("SELECT id FROM submissions ORDER BY rowid")]
    assert order == [first["id"], other["id"], results[3]["id"]], "stored in the order sent"


def test_unknown_survey_is_quarantined_not_lost(api, db):
    record = item(survey="no_such_survey")
    result = api({"submissions": [record]}).json["results"][0]
    assert result["status"] == "quarantined"
    assert "survey" in result["errors"]
    row = db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()
    assert json.loads(row[0]) == record["data"]


def test_data_of_the_wrong_type_is_quarantined_with_everything_kept(api, db):
    record = item(data=["not", "an", "object"])
    record["extra_field"] = {"kept": True}
    result = api({"submissions": [record]}).json["results"][0]
    assert result["status"] == "quarantined"
    data, meta = db.execute("SELECT data, meta FROM submissions WHERE id = ?", [record["id"]]).fetchone()
    assert json.loads(data) == ["not", "an", "object"]
    assert json.loads(meta)["extra"] == {"extra_field": {"kept": True}}


def test_stored_data_is_not_rewritten(api, db):
    text = "Ndiyo — «مرحبا» 🙂 " + "x" * 5000
    record = item(feedback_answers(biggest_difference=text))
    api({"submissions": [record]})
    data = json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0])
    assert data["biggest_difference"] == text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "Malformed JSON"),
        (b"", "empty"),
        (b"\xff\xfe", "UTF-8"),
        (b"[]", "object"),
        (b'{"submissions": "nope"}', "not valid"),
        (b"{}", "not valid"),
        (b'{"submissions": [42]}', "cannot be stored"),
        (b'{"submissions": [{"id": "123", "survey": "x", "version": "1", "data": {}}]}', "cannot be stored"),
        (
            b'{"submissions": [{"id": "6f1c4e0e-1f7e-4a8e-9a51-1b8c7b0e2f10", "data": {}}]}',
            "cannot be stored",
        ),
        (b'{"submissions": [{"id": 5, "survey": 1, "version": null, "data": {}}]}', "cannot be stored"),
    ],
)
def test_malformed_envelopes_are_400_in_one_shape(api, db, body, fragment):
    response = api(body, raw=True)
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["status"] == 400
    assert fragment in response.json["error"]
    assert isinstance(response.json["errors"], dict)
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_oversized_body_is_413_json(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = api({"submissions": [item(feedback_answers(biggest_difference="x" * 20_000))]})
    assert response.status_code == 413
    assert response.json["ok"] is False and response.json["status"] == 413


def test_too_many_items_is_413(app, api):
    app.config["MAX_BATCH_ITEMS"] = 3
    response = api({"submissions": [item() for _ in range(4)]})
    assert response.status_code == 413
    assert "at most 3" in response.json["error"]


def test_browser_sync_needs_the_csrf_header(client, auth, db):
    auth.login("facilitator")
    body = json.dumps({"submissions": [item()]})
    refused = client.post("/api/v1/submissions", data=body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json["ok"] is False
    headers = {"X-CSRFToken": auth.csrf()}
    accepted = client.post("/api/v1/submissions", data=body, content_type="application/json", headers=headers)
    assert accepted.json["results"][0]["status"] == "stored"
    row = db.execute("SELECT source, submitted_by FROM submissions").fetchone()
    assert row[0] == "web" and row[1] is not None


def test_unauthenticated_sync_is_401_and_stores_nothing(client, db):
    response = client.post("/api/v1/submissions", json={"submissions": [item()]})
    assert response.status_code == 401
    assert response.json["ok"] is False
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_expired_session_answers_401_for_the_api(client, auth):
    auth.login("facilitator")
    token = auth.csrf()
    with client.session_transaction() as session:
        session.clear()
    client.delete_cookie("remember_token")
    response = client.get("/api/v1/surveys", headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert "Sign in" in response.json["error"]


def test_surveys_and_definitions(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}
    listed = client.get("/api/v1/surveys", headers=headers).json["surveys"]
    assert {s["id"] for s in listed} == {"listening_session", "community_feedback"}
    definition = client.get("/api/v1/surveys/listening_session", headers=headers).json
    assert definition["id"] == "listening_session" and definition["version"] == "1"
    assert client.get("/api/v1/surveys/listening_session?version=1", headers=headers).status_code == 200
    missing = client.get("/api/v1/surveys/listening_session?version=99", headers=headers)
    assert missing.status_code == 404 and missing.json["ok"] is False
    assert client.get("/api/v1/surveys/nope", headers=headers).status_code == 404


def test_an_older_version_is_validated_against_itself(app, api, db):
    from survey_app.surveys.registry import publish

    definition = json.loads(
        db.execute(
            "SELECT definition FROM survey_versions WHERE survey_id = 'community_feedback'"
        ).fetchone()[0]
    )
    definition["version"] = "2"
    definition["questions"] = [q for q in definition["questions"] if q["name"] != "gender"]
    publish(db, definition, source="test")
    old = item()  # v1 answers, including gender
    assert api({"submissions": [old]}).json["results"][0]["status"] == "stored"
    new = item(version="2")
    assert api({"submissions": [new]}).json["results"][0]["status"] == "quarantined"


def test_a_lone_surrogate_is_stored_exactly_not_a_500(api, db):
    record = item(feedback_answers(biggest_difference="broken emoji \ud83d"))
    body = json.dumps({"submissions": [record]})  # ASCII JSON with the \\ud83d escape, as JS sends it
    response = api(body, raw=True)
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "stored"
    stored = json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0])
    assert stored["biggest_difference"] == "broken emoji \ud83d"
    assert api(body, raw=True).json["results"][0]["status"] == "duplicate"


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "xlsx", "geojson"])
def test_a_lone_surrogate_does_not_break_exports(api, client, auth, fmt):
    record = item(feedback_answers(biggest_difference="broken emoji \ud83d"))
    api(json.dumps({"submissions": [record]}), raw=True)
    auth.login("coordinator")
    response = client.get(f"/api/v1/surveys/community_feedback/submissions.{fmt}")
    assert response.status_code == 200
    body = response.get_data()
    if fmt in ("csv", "json", "ndjson"):
        assert "broken emoji" in body.decode("utf-8")
