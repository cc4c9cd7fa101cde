"""The first export: one CSV row per submission, one column per question, 0/1 choice columns."""

from __future__ import annotations

import csv
import io
import uuid


def test_csv_export_rows_and_columns(client, auth, token_for, db):
    token = token_for("facilitator")
    record = {
        "id": str(uuid.uuid4()),
        "survey": "community_feedback",
        "version": "1",
        "data": {
            "age_band": "age_18_24",
            "gender": "woman",
            "member_group": "womens_group",
            "biggest_concerns": ["jobs", "water_sanitation"],
            "feel_safe": 3,
            "trust_city_act": 2,
            "biggest_difference": '=HYPERLINK("http://x")',
        },
    }
    client.post(
        "/api/v1/submissions", json={"submissions": [record]}, headers={"Authorization": f"Bearer {token}"}
    )
    auth.login("coordinator")
    response = client.get("/api/v1/surveys/community_feedback/submissions.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["_id"] == record["id"] and row["_version"] == "1" and row["_submitted_by"] == "facilitator"
    assert row["biggest_concerns"] == "jobs water_sanitation"
    assert row["biggest_concerns/jobs"] == "1" and row["biggest_concerns/food"] == "0"
    assert row["feel_safe"] == "3"
    assert row["biggest_difference"].startswith("'="), "formulas are neutralised for spreadsheets"
    audit = db.execute("SELECT action, target, details FROM audit_log WHERE action = 'export'").fetchone()
    assert audit[1] == "community_feedback" and '"records": 1' in audit[2]


def test_coordinator_page_links_the_download(client, auth):
    auth.login("coordinator")
    html = client.get("/coordinate/submissions?survey=community_feedback").text
    assert "/api/v1/surveys/community_feedback/submissions.csv" in html
