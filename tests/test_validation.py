"""Server-side validation applies the form's logic to every record, and never loses one.

Records go through the real sync API (``POST /api/v1/submissions``): one that breaks its
rules comes back ``quarantined`` with the messages and is stored exactly as sent.
"""

from __future__ import annotations

import copy
import io
import json
import uuid
from pathlib import Path

import pytest
from conftest import csrf_from

from survey_app.surveys.messages import english
from survey_app.surveys.registry import get_definition, list_versions, publish
from survey_app.surveys.validation import validate_submission


def session(**changes):
    """A complete, valid listening-session record; ``None`` removes an answer."""
    data = {
        "session_date": "2026-11-20",
        "district": "likoni",
        "ward": "mtongwe",
        "venue": "Community hall",
        "languages_used": ["swahili", "english"],
        "session_type": "womens_group",
        "consent": "yes",
        "women": 14,
        "men": 3,
        "undisclosed": 1,
        "total_participants": 18,
        "youth": 9,
        "minority_present": "unknown",
        "concerns": ["jobs", "drugs", "other"],
        "concerns_other": "Street lighting",
        "most_urgent": "jobs",
        "trust_local_gov": 2,
        "trust_police": 1,
        "feel_safe": 3,
        "networks": [
            {"org_name": "Likoni youth network", "org_type": "youth_group", "could_partner": "yes"},
            {"org_name": "Mosque committee", "org_type": "religious"},
        ],
        "follow_up_needed": "yes",
        "follow_up_what": "Meet the ward administrator.",
        "safeguarding_flag": "no",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture
def send(client, token_for):
    """Send one record through the sync API; return (result, stored row)."""
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}

    def post(data, survey="listening_session", version="1", meta=None):
        record = {
            "id": str(uuid.uuid4()),
            "survey": survey,
            "version": version,
            "data": data,
            "meta": meta or {"started_at": "2026-11-20T09:00:00Z", "finalized_at": "2026-11-20T11:00:00Z"},
        }
        response = client.post("/api/v1/submissions", json={"submissions": [record]}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json["results"][0]

    return post


def stored(db, submission_id):
    row = db.execute(
        "SELECT data, validation, errors FROM submissions WHERE id = ?", [submission_id]
    ).fetchone()
    assert row is not None, "the record was not stored"
    return json.loads(row[0]), row[1], json.loads(row[2]) if row[2] else {}


def test_a_complete_session_is_stored_valid(send, db):
    result = send(session())
    assert result["status"] == "stored", result
    assert stored(db, result["id"])[1] == "valid"


def test_consent_refused_ends_the_form_nothing_else_is_required(send):
    data = {
        "session_date": "2026-11-20",
        "district": "nyali",
        "ward": "kongowea",
        "venue": "Church hall",
        "languages_used": ["swahili"],
        "session_type": "mixed",
        "consent": "no",
    }
    assert send(data)["status"] == "stored"


def test_answers_to_questions_that_do_not_apply_are_quarantined_and_kept(send, db):
    data = session(consent="no")  # every later section is hidden, but the phone sent it all
    result = send(data)
    assert result["status"] == "quarantined"
    message = result["errors"]["women"][0]
    assert "does not apply" in message and "${consent} = 'yes'" in message
    assert "kept for review" in message
    assert "networks" in result["errors"] and "concerns_other" in result["errors"]
    kept, validation, errors = stored(db, result["id"])
    assert kept == data, "a quarantined record must be stored exactly as sent"
    assert validation == "quarantined" and english(errors) == result["errors"]
    assert errors["women"] == [{"code": "not_relevant", "params": {"condition": "${consent} = 'yes'"}}]


def test_required_applies_only_where_the_question_is_relevant(send):
    hidden = session(follow_up_needed="no", follow_up_what=None)
    assert send(hidden)["status"] == "stored"
    missing = send(session(women=None, total_participants=None))
    assert missing["status"] == "quarantined"
    assert missing["errors"]["women"] == ["This answer is required. Please answer this question."]


def test_a_broken_constraint_gives_the_authors_message(send):
    result = send(session(youth=40))
    assert result["status"] == "quarantined"
    assert result["errors"] == {"youth": ["Cannot be more than the total number of participants."]}


def test_a_ward_outside_the_chosen_district_is_quarantined(send):
    result = send(session(district="kisauni", ward="mtongwe"))  # mtongwe is in Likoni
    assert result["status"] == "quarantined"
    assert "mtongwe is filtered out by district = ${district}" in result["errors"]["ward"][0]
    assert send(session(district="kisauni", ward="bamburi"))["status"] == "stored"


def test_the_most_urgent_concern_must_be_one_that_was_raised(send):
    result = send(session(most_urgent="housing"))
    assert result["status"] == "quarantined"
    assert list(result["errors"]) == ["most_urgent"]


def test_calculations_are_recomputed_and_compared_as_numbers(send):
    assert send(session(total_participants="18"))["status"] == "stored"
    assert send(session(total_participants=18.0))["status"] == "stored"
    assert send(session(total_participants=None))["status"] == "stored"  # server can recompute
    wrong = send(session(total_participants=20))
    assert wrong["status"] == "quarantined"
    assert wrong["errors"]["total_participants"] == [
        "Sent 20, but ${women} + ${men} + ${undisclosed} gives 18."
    ]


def test_an_other_text_without_other_chosen_is_flagged(send):
    result = send(session(concerns=["jobs"], most_urgent="jobs"))
    assert result["status"] == "quarantined"
    assert result["errors"] == {"concerns_other": ["Answered, but 'other' was not chosen."]}


REQUIRED = "This answer is required. Please answer this question."


def test_an_other_text_beside_an_unanswered_select_is_flagged_with_the_missing_answer(send):
    result = send(session(concerns=None, most_urgent=None, languages_used=None, languages_used_other="Luo"))
    assert result["status"] == "quarantined"
    assert result["errors"] == {
        "concerns": [REQUIRED],
        "concerns_other": ["Answered, but 'other' was not chosen."],
        "languages_used": [REQUIRED],
        "languages_used_other": ["Answered, but 'other' was not chosen."],
    }
    chose = send(session(languages_used=["other"], languages_used_other="Luo", session_type="other"))
    assert chose["status"] == "stored"


def test_questions_in_repeats_are_checked_per_entry(send):
    networks = [{"org_name": "Network A", "org_type": "civil_society"}, {"org_type": "teachers"}]
    result = send(session(networks=networks))
    assert result["status"] == "quarantined"
    assert result["errors"] == {
        "networks[1].org_name": ["This answer is required. Please answer this question."],
        "networks[1].org_type": ["Not one of the choices."],
    }


# -- a small survey that exercises every expression column -------------------------------

LOGIC_SURVEY = {
    "id": "logic_demo",
    "version": "1",
    "title": {"en": "Logic demo"},
    "default_language": "en",
    "languages": ["en"],
    "choice_lists": {
        "yes_no": [{"name": "yes", "label": "Yes"}, {"name": "no", "label": "No"}],
        "fruit": [
            {"name": "mango", "label": "Mango", "colour": "yellow"},
            {"name": "lime", "label": "Lime", "colour": "green"},
        ],
    },
    "questions": [
        {"name": "household_size", "type": "integer", "label": "People", "required": True},
        {"name": "colour", "type": "text", "label": "Colour"},
        {
            "name": "fruit",
            "type": "select_multiple",
            "label": "Fruit",
            "choices": "fruit",
            "choice_filter": "colour = ${colour} or ${colour} = ''",
        },
        {
            "name": "member",
            "type": "repeat",
            "label": "Member",
            "repeat_count": "${household_size}",
            "questions": [
                {"name": "age", "type": "integer", "label": "Age", "required": True},
                {
                    "name": "is_head",
                    "type": "select_one",
                    "choices": "yes_no",
                    "label": "Head?",
                    "relevant": "position(..) = 1",
                },
                {
                    "name": "older_than_household",
                    "type": "text",
                    "label": "Why?",
                    "relevant": "${age} > ${household_size} * 20",
                },
                {"name": "label_n", "type": "calculate", "calculation": "concat('member ', position(..))"},
            ],
        },
        {"name": "members", "type": "calculate", "calculation": "count(${member})"},
        {"name": "total_age", "type": "calculate", "calculation": "sum(${age})"},
        {
            "name": "visit_date",
            "type": "date",
            "label": "Next visit",
            "constraint": ". >= today()",
            "constraint_message": "The next visit cannot be in the past.",
        },
    ],
}


@pytest.fixture
def demo(db):
    definition, _ = publish(db, copy.deepcopy(LOGIC_SURVEY), source="test")
    return definition


def demo_record(**changes):
    data = {
        "household_size": 2,
        "member": [
            {"age": 40, "is_head": "yes", "label_n": "member 1"},
            {"age": 12, "label_n": "member 2"},
        ],
        "members": 2,
        "total_age": 52,
        "visit_date": "2026-12-01",
    }
    data.update(changes)
    return data


def test_repeat_scopes_position_count_and_sum(demo, send):
    assert send(demo_record(), survey="logic_demo")["status"] == "stored"
    wrong = demo_record(
        member=[
            {"age": 40, "is_head": "yes", "label_n": "member 1"},
            {"age": 12, "is_head": "no", "label_n": "member 9"},
        ],
        total_age=50,
    )
    result = send(wrong, survey="logic_demo")
    assert result["status"] == "quarantined"
    assert set(result["errors"]) == {"member[1].is_head", "member[1].label_n", "total_age"}
    assert "position(..) = 1" in result["errors"]["member[1].is_head"][0]


def test_relevance_inside_a_repeat_sees_its_own_entry_and_the_outer_answers(demo, send):
    data = demo_record(member=[{"age": 70, "is_head": "yes", "label_n": "member 1"}, {"age": 12}])
    data["total_age"] = 82
    result = send(data, survey="logic_demo")
    # age 70 > 2 * 20: the follow-up question applies, but it is optional: still valid
    assert result["status"] == "stored"
    data["member"][1]["older_than_household"] = "Grandmother"  # 12 > 40 is false: hidden
    result = send(data, survey="logic_demo")
    assert list(result["errors"]) == ["member[1].older_than_household"]


def test_repeat_count_must_match_the_number_of_entries(demo, send):
    result = send(demo_record(household_size=3), survey="logic_demo")
    assert result["status"] == "quarantined"
    assert result["errors"] == {
        "member": ["Has 2 entries, but its repeat count (${household_size}) asks for 3."]
    }


def test_choice_filter_on_a_select_multiple(demo, send):
    assert send(demo_record(colour="green", fruit=["lime"]), survey="logic_demo")["status"] == "stored"
    result = send(demo_record(colour="green", fruit=["lime", "mango"]), survey="logic_demo")
    assert "mango is filtered out" in result["errors"]["fruit"][0]


def test_today_is_the_day_the_record_was_finalised_not_the_day_it_synced(demo):
    data = demo_record(visit_date="2026-11-21")
    finalised_then = {"finalized_at": "2026-11-20T16:00:00Z"}
    assert validate_submission(demo, data, finalised_then) == {}
    too_early = validate_submission(demo, demo_record(visit_date="2026-11-19"), finalised_then)
    assert english(too_early) == {"visit_date": ["The next visit cannot be in the past."]}


def test_a_new_version_never_breaks_records_made_with_the_old_one(db, send, demo):
    v2 = copy.deepcopy(LOGIC_SURVEY)
    v2["version"] = "2"
    v2["questions"][0]["constraint"] = ". <= 10"
    v2["questions"].append({"name": "phone_owner", "type": "text", "label": "Owner", "required": True})
    publish(db, v2, source="test")
    assert get_definition(db, "logic_demo")["version"] == "2"
    big = demo_record(household_size=12, member=[{"age": 30, "label_n": "member 1"}] * 12)
    big["member"] = [dict(m, label_n=f"member {i + 1}") for i, m in enumerate(big["member"])]
    big["member"][0]["is_head"] = "yes"
    big.update(members=12, total_age=360)
    old = send(big, survey="logic_demo", version="1")
    assert old["status"] == "stored", old  # judged by version 1's rules
    new = send(big, survey="logic_demo", version="2")
    assert new["status"] == "quarantined"
    assert set(new["errors"]) == {"household_size", "phone_owner"}


# -- coordinators replace the location lists: a new version, old records still valid ---------

BUILTIN_LOCATIONS = (
    Path(__file__).resolve().parent.parent / "survey_app" / "surveys" / "builtin" / "locations.csv"
)


def upload_locations(client, text, survey="listening_session"):
    page = client.get("/coordinate/forms/locations")
    assert page.status_code == 200
    fields = {
        "csrf_token": csrf_from(page.text),
        "survey": survey,
        "file": (io.BytesIO(text.encode("utf-8")), "locations.csv"),
    }
    return client.post("/coordinate/forms/locations", data=fields, content_type="multipart/form-data")


def test_a_location_list_upload_publishes_a_new_version_and_old_records_stay_valid(client, auth, db, send):
    auth.login("coordinator")
    csv_text = BUILTIN_LOCATIONS.read_text("utf-8")
    # Mtongwe ward is merged into Likoni; a new district and ward appear.
    csv_text = csv_text.replace("ward,mtongwe,Mtongwe,Mtongwe,Mtongwe,Mtongwe,likoni\n", "")
    csv_text += (
        "district,kilifi,Kilifi,Kilifi,كيليفي,Kilifi,\nward,mnarani,Mnarani,Mnarani,منراني,Mnarani,kilifi\n"
    )
    response = upload_locations(client, csv_text)
    assert response.status_code == 200, response.text
    current = get_definition(db, "listening_session")
    assert current["version"] != "1"
    assert f"Published listening_session version {current['version']}" in response.text
    wards = {c["name"]: c for c in current["choice_lists"]["ward"]}
    assert "mtongwe" not in wards and wards["mnarani"]["district"] == "kilifi"
    assert wards["mnarani"]["label"]["ar"] == "منراني"
    assert (
        current["choice_lists"]["concern"]
        == get_definition(db, "listening_session", "1")["choice_lists"]["concern"]
    )
    assert list_versions_of(db) == ["1", current["version"]]
    # A draft made before the upload still syncs as version 1, and is judged by version 1.
    assert send(session(), version="1")["status"] == "stored"
    moved = send(session(), version=current["version"])
    assert moved["status"] == "quarantined" and moved["errors"]["ward"] == ["Not one of the choices."]
    new_area = session(district="kilifi", ward="mnarani")
    assert send(new_area, version=current["version"])["status"] == "stored"
    page = client.get("/forms/listening_session").text
    assert 'value="mnarani"' in page and 'data-district="kilifi"' in page
    audit = db.execute("SELECT details FROM audit_log WHERE action = 'survey_published'").fetchone()
    assert json.loads(audit[0]) == {"version": current["version"], "source": "locations-csv"}


def list_versions_of(db):
    return list_versions(db, "listening_session")


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        (
            "list_name,name,label::en,district\nward,new_ward,New ward,atlantis\n",
            "district 'atlantis' is not in the list",
        ),
        ("list_name,name,label::en\nvillage,v1,Village one\n", "the survey has no list 'village'"),
        ("list_name,name,label::fr,district\nward,w,Quartier,likoni\n", "a label in en"),
        ("list_name,name,label::de\nward,w,Bezirk\n", "the survey has no language"),
        ("list_name,name,label::en,district\nward,w,W,\n", "the column 'district' is empty"),
        ("list_name,name,label::en\ndistrict,a,A\ndistrict,a,Again\n", "'a' is already in the list"),
        ("name,label\nx,y\n", "list_name, name and label"),
    ],
)
def test_a_broken_location_list_is_refused_with_every_problem(client, auth, db, csv_text, message):
    auth.login("coordinator")
    response = upload_locations(client, csv_text)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.text
    assert list_versions_of(db) == ["1"]


def test_the_current_lists_download_in_the_upload_shape(client, auth):
    auth.login("coordinator")
    response = client.get("/coordinate/forms/locations.csv?survey=listening_session")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.text.splitlines()
    assert lines[0] == "list_name,name,label::en,label::fr,label::ar,label::sw,district"
    assert "ward,mtongwe,Mtongwe,Mtongwe,Mtongwe,Mtongwe,likoni" in lines
    assert upload_locations(client, response.text).status_code == 200  # a round trip publishes
    assert client.get("/coordinate/forms/locations.csv?survey=nope").status_code == 404


def test_a_non_utf8_location_list_is_refused_clearly(client, auth):
    auth.login("coordinator")
    page = client.get("/coordinate/forms/locations")
    fields = {
        "csrf_token": csrf_from(page.text),
        "survey": "listening_session",
        "file": (io.BytesIO("list_name,name,label::en\nward,é,É\n".encode("latin-1")), "l.csv"),
    }
    response = client.post("/coordinate/forms/locations", data=fields, content_type="multipart/form-data")
    assert response.status_code == 400 and "save the CSV as UTF-8" in response.text


def test_the_html_form_plays_the_phone_hidden_answers_left_out_calculations_filled(client, auth, db):
    auth.login("facilitator")
    page = client.get("/forms/listening_session")
    submission_id = str(uuid.uuid4())
    fields = {
        "csrf_token": csrf_from(page.text),
        "_id": submission_id,
        "_version": "1",
        "session_date": "2026-11-20",
        "district": "nyali",
        "ward": "kongowea",
        "venue": "Church hall",
        "languages_used": "swahili",
        "session_type": "mixed",
        "consent": "no",
        "women": "5",  # typed before consent was refused: the question no longer applies
        "networks__count": "1",
        "networks[0].org_name": "Leftover",
    }
    response = client.post("/forms/listening_session", data=fields)
    assert response.status_code == 302, response.text
    data, validation, _ = stored(db, submission_id)
    assert validation == "valid"
    assert "women" not in data and "networks" not in data
    fields.update(_id=str(uuid.uuid4()), consent="yes", women="4", men="2", undisclosed="1", youth="3")
    fields.update(minority_present="no", concerns="jobs", trust_local_gov="3", trust_police="2")
    fields.update(feel_safe="4", follow_up_needed="no", safeguarding_flag="no")
    fields["networks[0].org_type"] = "religious"
    response = client.post("/forms/listening_session", data=fields)
    assert response.status_code == 302, response.text
    data, validation, _ = stored(db, fields["_id"])
    assert validation == "valid" and data["total_participants"] == 7
    assert data["networks"] == [{"org_name": "Leftover", "org_type": "religious"}]
