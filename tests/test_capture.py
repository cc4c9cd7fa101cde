"""The server-rendered form: renders from the definition, posts without JavaScript."""

from __future__ import annotations

import json
import uuid

from conftest import csrf_from


def _post(client, form_html: str, answers: dict, survey: str = "community_feedback"):
    fields = {"csrf_token": csrf_from(form_html), "_version": "1", "_id": str(uuid.uuid4())}
    fields.update(answers)
    return client.post(f"/forms/{survey}", data=fields), fields["_id"]


FEEDBACK = {
    "age_band": "age_25_35",
    "gender": "prefer_not_say",
    "member_group": "youth_group",
    "biggest_concerns": ["jobs", "drugs"],
    "feel_safe": "4",
    "trust_city_act": "3",
    "biggest_difference": "A youth centre",
}


def test_form_page_renders_every_question_with_a_label(client, auth):
    auth.login("facilitator")
    page = client.get("/forms/listening_session")
    assert page.status_code == 200
    html = page.text
    for name in ("session_date", "district", "consent", "women", "concerns", "trust_police", "networks"):
        assert f'data-name="{name}"' in html
    assert 'name="networks[0].org_name"' in html
    assert 'id="f-women"' in html and 'for="f-women"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_form_page_in_another_language_and_right_to_left(client, auth):
    auth.login("facilitator")
    html = client.get("/forms/community_feedback?lang=ar").text
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    french = client.get("/forms/community_feedback?lang=fr").text
    assert 'lang="fr"' in french


def test_posting_without_javascript_stores_the_record(client, auth, db):
    auth.login("facilitator")
    response, submission_id = _post(client, client.get("/forms/community_feedback").text, FEEDBACK)
    assert response.status_code == 302
    assert "/forms/community_feedback/thanks" in response.headers["Location"]
    row = db.execute(
        "SELECT data, validation, source FROM submissions WHERE id = ?", [submission_id]
    ).fetchone()
    data = json.loads(row[0])
    assert data["biggest_concerns"] == ["jobs", "drugs"]
    assert data["feel_safe"] == 4 and isinstance(data["feel_safe"], int)
    assert row[1] == "valid" and row[2] == "form"


def test_posting_twice_stores_once(client, auth, db):
    auth.login("facilitator")
    html = client.get("/forms/community_feedback").text
    fields = {"csrf_token": csrf_from(html), "_version": "1", "_id": str(uuid.uuid4()), **FEEDBACK}
    client.post("/forms/community_feedback", data=fields)
    client.post("/forms/community_feedback", data=fields)
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1


def test_errors_are_shown_next_to_the_fields_and_answers_kept(client, auth, db):
    auth.login("facilitator")
    answers = {**FEEDBACK, "feel_safe": "", "biggest_difference": "Keep this text"}
    response, _ = _post(client, client.get("/forms/community_feedback").text, answers)
    assert response.status_code == 400
    html = response.text
    assert 'id="f-feel_safe-error"' in html and "This answer is required." in html
    assert "Keep this text" in html
    assert 'value="jobs" checked' in html
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_an_unreadable_number_is_shown_back_not_dropped(client, auth):
    auth.login("facilitator")
    html = client.get("/forms/listening_session").text
    response, _ = _post(client, html, {"women": "12a", "consent": "yes"}, survey="listening_session")
    assert response.status_code == 400
    assert 'value="12a"' in response.text
    assert "whole number" in response.text


def test_add_another_repeat_instance_without_javascript(client, auth):
    auth.login("facilitator")
    html = client.get("/forms/listening_session").text
    fields = {
        "csrf_token": csrf_from(html),
        "_version": "1",
        "_id": str(uuid.uuid4()),
        "networks__count": "1",
        "networks[0].org_name": "Likoni Youth Network",
        "_add_repeat": "networks",
    }
    response = client.post("/forms/listening_session", data=fields)
    assert response.status_code == 200
    assert 'name="networks[1].org_name"' in response.text
    assert 'value="Likoni Youth Network"' in response.text


def test_unknown_survey_is_a_clear_404(client, auth):
    auth.login("facilitator")
    response = client.get("/forms/no_such_survey")
    assert response.status_code == 404
    assert "no_such_survey" in response.text


def test_my_submissions_lists_only_my_own(client, auth, app):
    auth.login("facilitator")
    _post(client, client.get("/forms/community_feedback").text, FEEDBACK)
    mine = client.get("/my/submissions").text
    assert "Community feedback" in mine
    other = app.test_client()
    from conftest import Auth

    Auth(other).login("coordinator")
    assert "Nothing sent yet." in other.get("/my/submissions").text


def test_a_facilitator_opens_what_they_sent_read_only_and_nobody_else_can(client, auth, app, db):
    from conftest import PASSWORD, Auth

    from survey_app.auth.users import create_user

    create_user(db, "facilitator2", PASSWORD, "facilitator")
    auth.login("facilitator")
    response, record_id = _post(client, client.get("/forms/community_feedback").text, FEEDBACK)
    assert response.status_code == 302
    listing = client.get("/my/submissions").text
    assert f'href="/my/submissions/{record_id}"' in listing
    page = client.get(f"/my/submissions/{record_id}")
    assert page.status_code == 200
    assert "A youth centre" in page.text and "Community feedback" in page.text
    assert "<form" not in page.text.split("<main", 1)[1]  # read-only: nothing to post
    for role in ("facilitator2", "coordinator", "admin"):  # not theirs: 404, says nothing
        other = app.test_client()
        Auth(other).login(role)
        refused = other.get(f"/my/submissions/{record_id}")
        assert refused.status_code == 404, role
        assert "A youth centre" not in refused.text
    anonymous = app.test_client().get(f"/my/submissions/{record_id}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/my/submissions/not-a-uuid").status_code == 404


def test_my_submissions_names_each_session_by_its_date_venue_and_ward(client, auth, token_for):
    from support_coordinators import item, send, session

    send(client, token_for("facilitator"), [item(session(1, venue="Kongowea social hall"))])
    auth.login("facilitator")
    listing = client.get("/my/submissions").text
    assert "Kongowea social hall" in listing and " v1" not in listing


def test_a_draft_reopens_its_own_version(client, auth, db):
    from survey_app.surveys.registry import get_definition, publish

    definition = json.loads(json.dumps(get_definition(db, "community_feedback")))
    definition["version"] = "2"
    publish(db, definition, source="test")
    auth.login("facilitator")
    assert 'data-version="2"' in client.get("/forms/community_feedback").text
    assert 'data-version="1"' in client.get("/forms/community_feedback?version=1").text
    assert client.get("/forms/community_feedback?version=9").status_code == 404


def test_error_summary_links_reach_a_focusable_field(client, auth):
    auth.login("facilitator")
    answers = {**FEEDBACK, "gender": "", "feel_safe": ""}
    response, _ = _post(client, client.get("/forms/community_feedback").text, answers)
    html = response.text
    assert 'href="#f-gender-woman"' in html and 'id="f-gender-woman"' in html
    assert 'href="#f-feel_safe-1"' in html and 'id="f-feel_safe-1"' in html


def test_the_listening_session_comes_first_without_staff_version_numbers(client, auth):
    auth.login("facilitator")
    html = client.get("/").text
    first, second = 'data-survey-link="listening_session"', 'data-survey-link="community_feedback"'
    assert html.index(first) < html.index(second)
    assert "<small>v1</small>" not in html
    auth.login("coordinator")
    assert '<small class="version">version 1</small>' in client.get("/").text
