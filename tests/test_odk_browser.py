"""ODK features on the phone (Debian's Chromium): what the server checks (tests/test_xlsform_odk.py)
the form applies as it is filled, and the record the browser builds is stored as is.
"""

from __future__ import annotations

import uuid

import pytest
from conftest import browser_login
from support_xlsform import build_xlsform

from survey_app.db import connect
from survey_app.xlsform import import_xlsform

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")

ANSWERS_JS = """
async () => {
  const m = await import('/static/js/formlogic.js');
  const logic = await m.attachLogic(document.querySelector('form.survey-form'));
  return {answers: logic.answers(), problems: logic.validate()};
}
"""

SURVEY = [
    ["type", "name", "label", "required", "read_only", "calculation", "default"],
    ["integer", "age", "Age"],
    ["text", "school", "School", "${age} < 18"],
    ["integer", "next_year", "Age next year", "", "${age} > 0", "${age} + 1"],
    ["date", "visit", "Visit", "", "", "", "today()"],
    ["text", "greeting", "Greeting", "", "", "", "concat('Hello ', 'there')"],
    ["calculate", "price", "", "", "", "pulldata('prices', 'price', 'name', 'mango')"],
    ["calculate", "stamp", "", "", "", "format-date('2017-05-26', '%a %e %b %Y')"],
]


def test_required_read_only_calculations_defaults_and_lookups_on_the_phone(phone, app, tmp_path, token_for):
    path = build_xlsform(tmp_path / "odk.xlsx", SURVEY, settings={"form_id": "odk_phone", "version": "1"})
    db = connect(app.config["DATABASE"])
    prices = b"name,price\napple,3\nmango,5\n"
    files = {"prices.csv": prices}
    definition = import_xlsform(db, path.read_bytes(), path.name, attachments=files).definition
    db.close()
    page = phone.new_page()
    browser_login(page)
    page.goto("/forms/odk_phone")
    first = page.evaluate(ANSWERS_JS)
    assert first["answers"]["greeting"] == "Hello there"  # a dynamic default, once
    assert first["answers"]["price"] == "5" and first["answers"]["stamp"] == "Fri 26 May 2017"
    page.fill("input[name=age]", "12")
    page.dispatch_event("input[name=age]", "change")
    assert page.input_value("input[name=next_year]") == "13"  # a calculation on an integer
    assert page.eval_on_selector("input[name=next_year]", "e => e.readOnly")
    assert page.get_attribute("[data-key=school]", "data-required") is not None
    child = page.evaluate(ANSWERS_JS)
    assert child["problems"] == {"school": ["This answer is required."]}
    page.fill("input[name=age]", "30")
    page.dispatch_event("input[name=age]", "change")
    assert page.get_attribute("[data-key=school]", "data-required") is None
    adult = page.evaluate(ANSWERS_JS)
    assert adult["problems"] == {} and adult["answers"]["next_year"] == 31
    record = {"id": str(uuid.uuid4()), "survey": "odk_phone", "version": definition["version"]}
    response = page.request.post(
        "/api/v1/submissions",
        data={"submissions": [{**record, "data": adult["answers"]}]},
        headers={"Authorization": f"Bearer {token_for('facilitator')}"},
    )
    assert response.ok, response.text()
    assert response.json()["results"][0]["status"] == "stored", response.json()


REPEAT_DEFAULTS = [
    ["type", "name", "label", "default"],
    ["integer", "household_size", "Household size"],
    ["begin_repeat", "member", "Member"],
    ["text", "member_name", "Name"],
    ["integer", "member_no", "Number", "position(..)"],
    ["integer", "share", "Share", "${household_size} * 10"],
    ["text", "tag", "Tag", "concat('M', position(..))"],
    ["end_repeat"],
]


def test_dynamic_defaults_are_computed_in_each_new_repeat_instance(phone, app, tmp_path):
    """ODK evaluates a dynamic default when a repeat instance is added, in that instance."""
    settings = {"form_id": "rep_defaults", "version": "1"}
    path = build_xlsform(tmp_path / "rd.xlsx", REPEAT_DEFAULTS, settings=settings)
    db = connect(app.config["DATABASE"])
    import_xlsform(db, path.read_bytes(), path.name)
    db.close()
    page = phone.new_page()
    browser_login(page)
    page.goto("/forms/rep_defaults")
    page.evaluate(ANSWERS_JS)
    # The first instance is made with the form: its defaults then (no household size yet).
    assert page.input_value("input[name='member[0].member_no']") == "1"
    assert page.input_value("input[name='member[0].tag']") == "M1"
    assert page.input_value("input[name='member[0].share']") == ""
    page.fill("input[name=household_size]", "3")
    page.dispatch_event("input[name=household_size]", "change")
    page.click("[data-add-repeat][value=member]")
    page.wait_for_selector("input[name='member[1].member_no']")
    assert page.input_value("input[name='member[1].member_no']") == "2"
    assert page.input_value("input[name='member[1].tag']") == "M2"
    assert page.input_value("input[name='member[1].share']") == "30"
    # A default is not a calculation: once made, it follows nothing, and an edit stays.
    page.fill("input[name='member[1].tag']", "Grandmother")
    page.fill("input[name=household_size]", "5")
    page.dispatch_event("input[name=household_size]", "change")
    assert page.input_value("input[name='member[1].share']") == "30"
    page.click("[data-add-repeat][value=member]")
    page.wait_for_selector("input[name='member[2].member_no']")
    assert page.input_value("input[name='member[2].share']") == "50"
    answers = page.evaluate(ANSWERS_JS)["answers"]
    assert [m.get("tag") for m in answers["member"]] == ["M1", "Grandmother", "M3"]
    assert [m.get("member_no") for m in answers["member"]] == [1, 2, 3]


def test_a_read_only_calculated_choice_cannot_be_changed_by_a_click(phone, app, tmp_path):
    """The server holds a read-only calculated answer to its calculation; so does the phone
    (readOnly does nothing to a radio button)."""
    survey = [
        ["type", "name", "label", "read_only", "calculation"],
        ["integer", "age", "Age"],
        ["select_one yn", "adult", "Adult", "yes", "if(${age} > 17, 'y', 'n')"],
        ["select_one yn", "maybe", "Maybe locked", "${age} > 17", "if(${age} > 17, 'y', 'n')"],
    ]
    choices = [["list_name", "name", "label"], ["yn", "y", "Yes"], ["yn", "n", "No"]]
    settings = {"form_id": "ro_choice", "version": "1"}
    path = build_xlsform(tmp_path / "ro.xlsx", survey, choices, settings=settings)
    db = connect(app.config["DATABASE"])
    import_xlsform(db, path.read_bytes(), path.name)
    db.close()
    page = phone.new_page()
    browser_login(page)
    page.goto("/forms/ro_choice")
    page.evaluate(ANSWERS_JS)
    page.fill("input[name=age]", "30")
    page.dispatch_event("input[name=age]", "change")
    assert page.is_checked("input[name=adult][value=y]") and page.is_checked("input[name=maybe][value=y]")
    page.click("label[for='f-adult-n']")
    page.click("label[for='f-maybe-n']")
    answers = page.evaluate(ANSWERS_JS)["answers"]
    assert answers["adult"] == "y" and answers["maybe"] == "y"
    page.fill("input[name=age]", "12")
    page.dispatch_event("input[name=age]", "change")
    page.click("label[for='f-maybe-y']")  # not read-only now: the person may change it
    answers = page.evaluate(ANSWERS_JS)["answers"]
    assert answers["adult"] == "n" and answers["maybe"] == "y"
