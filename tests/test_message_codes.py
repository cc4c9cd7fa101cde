"""Validation messages are codes with parameters, translated where they are shown: an
Arabic review page shows no English validation text, the sync API keeps its English
sentences, and messages stored as English before codes (m0020) read like new ones."""

from __future__ import annotations

import importlib.util
import json

import pytest
from support_coordinators import item, send, session

from survey_app.languages.messages import ui_message
from survey_app.paths import MIGRATIONS_DIR
from survey_app.surveys.messages import TEMPLATES, english, render


@pytest.fixture
def facilitator_token(token_for):
    return token_for("facilitator")


def stored_errors(db, record_id: str) -> dict:
    return json.loads(db.execute("SELECT errors FROM submissions WHERE id = ?", [record_id]).fetchone()[0])


def broken_record() -> dict:
    data = session(3, women="twelve", youth=999, stray="?")
    data["networks"][0]["org_type"] = "not_a_type"
    return item(data)


def english_prefixes() -> list[str]:
    """The fixed English words of every message (before its first parameter)."""
    prefixes = {template.split("%(")[0].strip() for template in TEMPLATES.values()}
    return sorted(p for p in prefixes if len(p) >= 8)


def assert_no_english(page: str) -> None:
    for prefix in english_prefixes():
        assert prefix not in page, f"English validation text on an Arabic page: {prefix!r}"
    assert "Cannot be more than the total number of participants" not in page  # the author's, in English


def test_stored_as_codes_and_the_api_still_answers_in_english(client, db, facilitator_token):
    record = broken_record()
    result = send(client, facilitator_token, [record])[0]
    assert result["status"] == "quarantined"
    assert result["errors"]["women"] == ["Must be a whole number."]
    assert result["errors"]["youth"] == ["Cannot be more than the total number of participants."]
    stored = stored_errors(db, record["id"])
    assert stored["women"] == [{"code": "integer"}]
    assert stored["stray"] == [{"code": "unknown_question"}]
    assert stored["networks[0].org_type"] == [{"code": "choice"}]
    youth = stored["youth"][0]
    assert youth["code"] == "constraint"
    assert youth["params"] == {"condition": ". <= ${women} + ${men} + ${undisclosed}"}
    assert youth["text"]["ar"] == "لا يمكن أن يتجاوز العدد الإجمالي للمشاركين."
    assert youth["default_language"] == "en", "the fallback where the page's language is missing"
    assert english(stored) == result["errors"]


def test_an_arabic_review_page_shows_no_english_validation_text(app, client, auth, facilitator_token):
    record = broken_record()
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    client.get("/coordinate?lang=ar")  # the interface language is remembered
    with app.test_request_context("/?lang=ar"):
        whole = ui_message({"code": "integer"})
        unknown = ui_message({"code": "unknown_question"})
    assert whole != "Must be a whole number." and unknown != "Not a question of this survey version."
    for url in ("/coordinate/review", "/coordinate", f"/coordinate/submissions/{record['id']}?lang=ar"):
        page = client.get(url).text
        assert record["id"][:8] in page
        assert whole in page and unknown in page, url
        assert "لا يمكن أن يتجاوز العدد الإجمالي للمشاركين." in page, "the author's message, in Arabic"
        assert_no_english(page)


def test_named_parameters_and_plurals_are_translated(app):
    with app.test_request_context("/?lang=fr"):
        assert ui_message({"code": "between", "params": {"low": 1, "high": 5}}) == "Doit être entre 1 et 5."
        one = ui_message({"code": "repeat_count", "params": {"n": 1, "expression": "${n}", "target": 3}})
        two = ui_message({"code": "repeat_count", "params": {"n": 2, "expression": "${n}", "target": 3}})
        assert one.startswith("1 entrée,") and two.startswith("2 entrées,")
        # A code from a newer release, or broken parameters, never break the page.
        assert ui_message({"code": "from_the_future"}) == "from_the_future"
        assert ui_message({"code": "min", "params": {"wrong": 1}}) == "Doit être au moins %(n)s."
    assert render({"code": "repeat_count", "params": {"n": 1, "expression": "x", "target": 2}}).startswith(
        "Has 1 entry,"
    )


def load_m0020():
    path = MIGRATIONS_DIR / "m0020_message_codes.py"
    spec = importlib.util.spec_from_file_location("m0020_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OLD_ERRORS = {
    "women": ["Must be a whole number."],
    "youth": ["Cannot be more than the total number of participants."],
    "ward": ["Not among the choices offered here (mtongwe is filtered out by district = ${district})."],
    "networks": ["Has 1 entry, but its repeat count (${n}) asks for 2."],
    "venue": ["This answer is required. Please answer this question."],
    "most_urgent": [
        "Answered, but this question does not apply (its condition ${consent} = 'yes' is false)."
        " The answer is kept for review."
    ],
    "tip": ["Sent 12, but round(${bill} * 0.18, 2) gives 10.06."],
}


def test_m0020_turns_stored_english_into_codes(app, client, db, auth, facilitator_token):
    record = broken_record()
    send(client, facilitator_token, [record])
    with db.conn:
        db.execute("UPDATE submissions SET errors = ? WHERE id = ?", [json.dumps(OLD_ERRORS), record["id"]])
    load_m0020().apply(db)
    stored = stored_errors(db, record["id"])
    assert stored["women"] == [{"code": "integer"}]
    assert stored["youth"] == OLD_ERRORS["youth"], "an author's sentence stays as stored"
    assert stored["ward"] == [
        {"code": "filtered", "params": {"choices": "mtongwe", "filter": "district = ${district}"}}
    ]
    assert stored["networks"] == [
        {"code": "repeat_count", "params": {"n": 1, "expression": "${n}", "target": 2}}
    ]
    assert stored["venue"] == [{"code": "required", "text": "Please answer this question."}]
    tip = {"sent": "12", "calculation": "round(${bill} * 0.18, 2)", "expected": "10.06"}
    assert stored["tip"][0]["params"] == tip
    assert english(stored) == OLD_ERRORS, "the same sentences as before, now from their codes"
    load_m0020().apply(db)  # running it again changes nothing
    again = stored_errors(db, record["id"])
    assert again == stored
    auth.login("coordinator")
    page = client.get(f"/coordinate/submissions/{record['id']}?lang=ar").text
    with app.test_request_context("/?lang=ar"):
        assert ui_message({"code": "integer"}) in page
