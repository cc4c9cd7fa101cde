"""Local action plans, reviews with evidence, and their audit trail (issue 14)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import csrf_from
from support_coordinators import item, send, session


@pytest.fixture
def staff(client, auth):
    auth.login("coordinator")
    return client


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).text)
    return client.post(url, data={"csrf_token": token, **data})


def _plan(staff, **extra):
    data = {
        "plan-title": "Mombasa 2026-2028",
        "plan-period_start": "2026-01-01",
        "plan-period_end": "2028-12-31",
        "plan-review_dates": "2026-06-30, 2026-12-31",
        **extra,
    }
    response = _post(staff, "/coordinate/plans", data)
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _action(staff, plan_id, **extra):
    data = {
        "action-title": "Youth jobs fair",
        "action-concerns": ["jobs"],
        "action-status": "planned",
        **extra,
    }
    response = _post(staff, f"/coordinate/plans/{plan_id}/actions", data, page=f"/coordinate/plans/{plan_id}")
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].split("/")[-1])


def test_plan_and_action_changes_are_in_history_and_audit_log(staff, db):
    plan_id = _plan(staff, **{"plan-areas": ["likoni", "nyali"]})
    action_id = _action(staff, plan_id, **{"action-areas": ["likoni"], "action-owner": "Ward office"})
    page = f"/coordinate/actions/{action_id}"
    edited = _post(
        staff,
        page,
        {
            "action-title": "Youth jobs fair",
            "action-concerns": ["jobs", "drugs"],
            "action-areas": ["likoni"],
            "action-status": "under_way",
            "action-owner": "Ward office",
        },
    )
    assert edited.status_code == 302, edited.text
    note = _post(
        staff, f"{page}/notes", {"note-noted_on": "2026-03-02", "note-body": "Venue booked."}, page=page
    )
    assert note.status_code == 302
    history = db.execute(
        "SELECT change, details FROM action_history WHERE action_id = ? ORDER BY id", [action_id]
    ).fetchall()
    assert [h[0] for h in history] == ["created", "edited", "note"]
    changed = json.loads(history[1][1])["changed"]
    assert changed["status"] == ["planned", "under_way"] and changed["concerns"] == [
        ["jobs"],
        ["drugs", "jobs"],
    ]
    actions = [
        r[0] for r in db.execute("SELECT action FROM audit_log WHERE action LIKE 'plan.%' ORDER BY id")
    ]
    assert actions == ["plan.create", "plan.action.create", "plan.action.edit", "plan.action.note"]
    text = staff.get(page).text
    assert "Venue booked." in text and "under_way" not in text.split("<main")[0]
    with pytest.raises(Exception, match="never changed"):
        db.execute("UPDATE action_history SET change = 'x'")


def test_bad_plan_and_action_input_is_a_clear_400(staff, db):
    assert (
        _post(
            staff,
            "/coordinate/plans",
            {"plan-title": "X", "plan-period_start": "2027-01-01", "plan-period_end": "2026-01-01"},
        ).status_code
        == 400
    )
    assert (
        _post(
            staff,
            "/coordinate/plans",
            {
                "plan-title": "X",
                "plan-period_start": "2026-01-01",
                "plan-period_end": "2027-01-01",
                "plan-review_dates": "soon",
            },
        ).status_code
        == 400
    )
    plan_id = _plan(staff)
    bad = _post(
        staff,
        f"/coordinate/plans/{plan_id}/actions",
        {"action-title": "X", "action-concerns": ["not_a_concern"], "action-status": "planned"},
        page=f"/coordinate/plans/{plan_id}",
    )
    assert bad.status_code == 400
    bad_status = _post(
        staff,
        f"/coordinate/plans/{plan_id}/actions",
        {"action-title": "X", "action-status": "finished"},
        page=f"/coordinate/plans/{plan_id}",
    )
    assert bad_status.status_code == 400
    assert staff.get("/coordinate/plans/999").status_code == 404
    assert db.execute("SELECT count(*) FROM plan_actions").fetchone()[0] == 0


def test_facilitators_read_the_actions_of_their_areas_only(client, auth, token_for, db):
    send(client, token_for("facilitator"), [item(session(0, district="likoni", ward="mtongwe"))])
    auth.login("coordinator")
    plan_id = _plan(client)
    _action(client, plan_id, **{"action-title": "Likoni water points", "action-areas": ["likoni"]})
    _action(client, plan_id, **{"action-title": "Nyali night buses", "action-areas": ["nyali"]})
    _action(client, plan_id, **{"action-title": "City-wide hotline"})
    client.get("/logout")
    auth.login("facilitator")
    page = client.get("/my/actions").text
    assert "Likoni water points" in page and "City-wide hotline" in page
    assert "Nyali night buses" not in page
    assert client.get(f"/coordinate/plans/{plan_id}").status_code == 403


def _records(n_by_area: dict[str, list[dict]]) -> list[dict]:
    items, n = [], 0
    for district, sessions in n_by_area.items():
        for overrides in sessions:
            ward = {"likoni": "mtongwe", "nyali": "kongowea", "kisauni": "bamburi"}[district]
            data = session(n, district=district, ward=ward, **overrides)
            data["total_participants"] = data["women"] + data["men"] + data["undisclosed"]
            items.append(item(data))
            n += 1
    return items


def test_review_shows_evidence_against_the_period_before_and_is_frozen(client, staff, token_for, db):
    token = token_for("facilitator")
    current = {"session_date": "2026-05-10", "women": 4, "men": 2, "undisclosed": 0, "youth": 3}
    before = {"session_date": "2026-02-10", "women": 1, "men": 1, "undisclosed": 0, "youth": 1}
    send(
        client,
        token,
        _records(
            {
                "likoni": [
                    {**current, "concerns": ["jobs"], "trust_police": 2},
                    {**current, "concerns": ["jobs", "drugs"], "trust_police": 4},
                    {**current, "concerns": ["housing"], "trust_police": 3},
                    {**before, "concerns": ["jobs"]},
                ],
                "nyali": [{**current, "concerns": ["crime"]}],
            }
        ),
    )
    plan_id = _plan(staff, **{"plan-areas": ["likoni", "nyali"]})
    action_id = _action(staff, plan_id, **{"action-concerns": ["jobs", "drugs"]})
    response = _post(
        staff,
        f"/coordinate/plans/{plan_id}/reviews",
        {"review-period_start": "2026-04-01", "review-period_end": "2026-06-30"},
        page=f"/coordinate/plans/{plan_id}",
    )
    assert response.status_code == 302, response.text
    review_id = int(response.headers["Location"].split("/")[-1])
    snap = json.loads(db.execute("SELECT snapshot FROM plan_reviews WHERE id = ?", [review_id]).fetchone()[0])
    assert snap["previous"] == {"start": "2026-01-01", "end": "2026-03-31"}
    likoni = snap["actions"][0]["evidence"]["likoni"]
    assert likoni["current"] == {
        "sessions": 3,
        "mentions": 2,
        "share": 0.667,
        "women": 8,
        "youth": 6,
        "by_concern": {"drugs": 1, "jobs": 2},
    }
    assert likoni["previous"]["mentions"] == 1 and likoni["previous"]["sessions"] == 1
    assert snap["area_figures"]["likoni"]["current"]["scores"]["trust_police"] == {"mean": 3.0, "n": 3}
    assert snap["actions"][0]["evidence"]["nyali"]["current"]["mentions"] == 0
    page = staff.get(f"/coordinate/reviews/{review_id}").text
    assert page.count('class="area-page"') == 2  # one printed page per area
    # Late records do not change the frozen review; a new review sees them.
    send(client, token, _records({"likoni": [{**current, "concerns": ["jobs"]}]}))
    again = json.loads(
        db.execute("SELECT snapshot FROM plan_reviews WHERE id = ?", [review_id]).fetchone()[0]
    )
    assert again["actions"][0]["evidence"]["likoni"]["current"]["mentions"] == 2
    with pytest.raises(Exception, match="frozen"):
        db.execute("UPDATE plan_reviews SET snapshot = '{}'")
    # Decisions: keep/change/drop for the action, add for a new one; in the action's history.
    decided = _post(
        staff,
        f"/coordinate/reviews/{review_id}/decisions",
        {"prefix": f"d{action_id}", f"d{action_id}-decision": "change", f"d{action_id}-note": "Add Nyali"},
        page=f"/coordinate/reviews/{review_id}",
    )
    assert decided.status_code == 302
    added = _post(
        staff,
        f"/coordinate/reviews/{review_id}/decisions",
        {"prefix": "add", "add-decision": "add", "add-note": "Drug-use outreach"},
        page=f"/coordinate/reviews/{review_id}",
    )
    assert added.status_code == 302
    bogus = _post(
        staff,
        f"/coordinate/reviews/{review_id}/decisions",
        {"prefix": "d999", "d999-decision": "keep"},
        page=f"/coordinate/reviews/{review_id}",
    )
    assert bogus.status_code == 400
    page = staff.get(f"/coordinate/reviews/{review_id}").text
    assert "Add Nyali" in page and "Drug-use outreach" in page
    assert (
        db.execute(
            "SELECT change FROM action_history WHERE action_id = ? ORDER BY id DESC", [action_id]
        ).fetchone()[0]
        == "decision"
    )


def test_review_prints_in_the_coordinators_language(client, staff, token_for):
    plan_id = _plan(staff, **{"plan-areas": ["likoni"]})
    _action(staff, plan_id)
    response = _post(
        staff,
        f"/coordinate/plans/{plan_id}/reviews",
        {"review-period_start": "2026-04-01", "review-period_end": "2026-06-30"},
        page=f"/coordinate/plans/{plan_id}",
    )
    url = response.headers["Location"]
    french = staff.get(url, query_string={"lang": "fr"}).text
    assert 'lang="fr"' in french
    assert "Cette période" in french or "Période" in french


def test_shared_export_is_aggregate_and_suppressed(client, staff, token_for, db):
    current = {
        "session_date": "2026-05-10",
        "women": 6,
        "men": 3,
        "undisclosed": 1,
        "youth": 5,
        "concerns_own_words": "SECRET-FREE-TEXT",
    }
    send(
        client,
        token_for("facilitator"),
        _records(
            {
                "likoni": [{**current, "concerns": ["jobs"]} for _ in range(6)]
                + [{**current, "concerns": ["drugs"]}],
                "nyali": [{**current, "concerns": ["jobs"]}],
            }
        ),
    )
    plan_id = _plan(staff, **{"plan-areas": ["likoni", "nyali"]})
    _action(staff, plan_id, **{"action-concerns": ["jobs", "drugs"], "action-owner": "Jane Doe"})
    response = _post(
        staff,
        f"/coordinate/plans/{plan_id}/reviews",
        {"review-period_start": "2026-04-01", "review-period_end": "2026-06-30"},
        page=f"/coordinate/plans/{plan_id}",
    )
    review_id = int(response.headers["Location"].split("/")[-1])
    raw = staff.get(f"/coordinate/reviews/{review_id}/share.json").text
    body = json.loads(raw)
    assert "SECRET-FREE-TEXT" not in raw and "Jane Doe" not in raw
    likoni = body["actions"][0]["evidence"]["likoni"]["current"]
    assert likoni["mentions"] == 7 and likoni["by_concern"] == {"drugs": None, "jobs": 6}
    nyali = body["areas"]["nyali"]["current"]
    assert nyali["sessions"] is None  # 1 session: under the threshold
    assert body["actions"][0]["evidence"]["nyali"]["current"]["mentions"] is None
    numbers = [int(n) for n in re.findall(r":\s*(\d+)[,\n}]", raw)]
    assert not [n for n in numbers if 0 < n < 5 and n not in (1,)]  # format_version is the only small number
    html = staff.get(f"/coordinate/reviews/{review_id}/share.html").text
    assert "SECRET-FREE-TEXT" not in html and "–" in html
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'plan.share'").fetchone()[0] == 2
