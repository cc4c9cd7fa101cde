"""Importing a phone's backup file: the API and the coordinator's page.

The file is the sync batch shape, so it goes through the same idempotent ingest():
importing it twice adds nothing, and a file with an unstorable record adds nothing.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest
from conftest import csrf_from

from survey_app.auth.users import find_user

DATA = {
    "age_band": "age_18_24",
    "gender": "woman",
    "member_group": "womens_group",
    "biggest_concerns": ["jobs"],
    "feel_safe": 3,
    "trust_city_act": 2,
    "biggest_difference": "Street lights",
}


NONE = {"stored": 0, "duplicate": 0, "conflict": 0, "quarantined": 0, "refused": 0}


def record(**changes) -> dict:
    item = {
        "id": str(uuid.uuid4()),
        "survey": "community_feedback",
        "version": "1",
        "data": dict(DATA),
        "meta": {"started_at": "2026-11-20T09:00:00Z", "account": "facilitator"},
    }
    item.update(changes)
    return item


def backup(*items, drafts=()) -> bytes:
    return json.dumps(
        {
            "format": "survey-app-backup",
            "account": "facilitator",
            "submissions": list(items),
            "drafts": list(drafts),
        }
    ).encode()


def post_api(client, auth, body: bytes, **kwargs):
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    return client.post("/api/v1/submissions/import", data=body, headers=headers, **kwargs)


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM submissions").fetchone()[0]


def test_import_stores_then_a_second_import_adds_nothing(client, auth, db):
    auth.login("coordinator")
    items = [record(), record(), record(data={**DATA, "feel_safe": 9})]
    body = backup(*items, drafts=[record()])
    first = post_api(client, auth, body)
    assert first.status_code == 200
    assert first.json["counts"] == dict(NONE, stored=2, quarantined=1)
    assert first.json["drafts_ignored"] == 1
    assert [r["id"] for r in first.json["results"]] == [item["id"] for item in items]

    again = post_api(client, auth, body)
    assert again.json["counts"] == dict(NONE, duplicate=3)
    assert stored(db) == 3

    coordinator = find_user(db, "coordinator")
    rows = list(db.query("SELECT source, submitted_by, meta FROM submissions"))
    assert {(row["source"], row["submitted_by"]) for row in rows} == {("import", coordinator["id"])}
    assert all(json.loads(row["meta"])["account"] == "facilitator" for row in rows)


def test_import_is_audited_without_answers(client, auth, db):
    auth.login("admin")
    post_api(client, auth, backup(record()))
    entry = next(db.query("SELECT action, details FROM audit_log WHERE action = 'import_backup'"))
    details = json.loads(entry["details"])
    assert details == {"stored": 1, "duplicate": 0, "conflict": 0, "quarantined": 0, "refused": 0}
    assert "Street lights" not in entry["details"]


def test_same_id_other_answers_is_a_conflict_kept_for_review(client, auth, db):
    auth.login("coordinator")
    item = record()
    post_api(client, auth, backup(item))
    changed = {**item, "data": {**DATA, "biggest_difference": "Jobs for youth"}}
    response = post_api(client, auth, backup(changed))
    assert response.json["counts"]["conflict"] == 1
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 1


def test_a_file_larger_than_one_batch_is_imported_in_chunks(app, client, auth, db):
    app.config["MAX_BATCH_ITEMS"] = 5
    auth.login("coordinator")
    response = post_api(client, auth, backup(*[record() for _ in range(12)]))
    assert response.status_code == 200
    assert response.json["counts"]["stored"] == 12
    assert stored(db) == 12


def test_file_upload_to_the_api(client, auth, db):
    auth.login("coordinator")
    response = client.post(
        "/api/v1/submissions/import",
        data={"file": (io.BytesIO(backup(record())), "backup.json")},
        headers={"X-CSRFToken": auth.csrf()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert response.json["counts"]["stored"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"{not json", "Malformed JSON"),
        (b"[1, 2]", "Send an object"),
        (b'{"items": []}', "not valid"),
        (b'{"submissions": []}', "no submissions"),
        (json.dumps({"submissions": [record(), record(id="not-a-uuid")]}).encode(), "cannot be stored"),
        (json.dumps({"submissions": [record(), "text"]}).encode(), "cannot be stored"),
    ],
)
def test_bad_files_are_refused_whole_with_a_json_error(client, auth, db, body, message):
    auth.login("coordinator")
    response = post_api(client, auth, body)
    assert response.status_code == 400
    assert response.json["ok"] is False and response.json["status"] == 400
    assert message in response.json["error"]
    assert stored(db) == 0


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("facilitator", 403)])
def test_only_coordinators_and_admins_import(client, auth, db, role, status):
    if role:
        auth.login(role)
    response = post_api(client, auth, backup(record()))
    assert response.status_code == status
    assert stored(db) == 0


def page_post(client, data: dict):
    token = csrf_from(client.get("/coordinate/import").text)
    return client.post(
        "/coordinate/import", data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )


def test_import_page_shows_what_happened(client, auth, db):
    auth.login("coordinator")
    page = client.get("/coordinate/import")
    assert page.status_code == 200
    assert 'type="file"' in page.text and 'enctype="multipart/form-data"' in page.text
    body = backup(record(), record(), drafts=[record()])
    first = page_post(client, {"file": (io.BytesIO(body), "backup.json")})
    assert first.status_code == 200
    assert '<strong data-count="stored">2</strong>' in first.text
    assert "1 unfinished draft in the file was not imported" in first.text
    second = page_post(client, {"file": (io.BytesIO(body), "backup.json")})
    assert '<strong data-count="duplicate">2</strong>' in second.text
    assert stored(db) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the backup file first."),
        ({"file": (io.BytesIO(b"a,b"), "export.csv")}, "Choose the .json file"),
        ({"file": (io.BytesIO(b"{oops"), "backup.json")}, "Nothing was imported: Malformed JSON"),
        (
            {"file": (io.BytesIO(backup(record(id="42"))), "backup.json")},
            "submissions.0.id: Must be a UUID",
        ),
    ],
)
def test_import_page_explains_a_refused_file(client, auth, db, data, message):
    auth.login("admin")
    response = page_post(client, data)
    assert response.status_code == 400
    assert message in response.text
    assert stored(db) == 0
