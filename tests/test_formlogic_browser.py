"""The form's logic in a real browser (Debian's Chromium): skip logic, constraint messages,
live calculations, cascading choices, repeats, languages and right-to-left, offline too.

The same rules the server applies (tests/test_validation.py) are applied on the phone by
static/js/formlogic.js; the last test sends what the browser built to the sync API and the
server agrees with it.
"""

from __future__ import annotations

import uuid

import pytest
from conftest import browser_login
from support_offline import wait_for_worker
from support_xlsform import FORMS, build_xlsform

from survey_app.db import connect
from survey_app.xlsform import import_xlsform

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")

LOGIC_JS = """
async () => {
  const m = await import('/static/js/formlogic.js');
  return await m.attachLogic(document.querySelector('form.survey-form'));
}
"""
ANSWERS_JS = """
async () => {
  const m = await import('/static/js/formlogic.js');
  const logic = await m.attachLogic(document.querySelector('form.survey-form'));
  return logic.answers();
}
"""
VALIDATE_JS = """
async () => {
  const m = await import('/static/js/formlogic.js');
  const logic = await m.attachLogic(document.querySelector('form.survey-form'));
  return logic.validate();
}
"""


def open_form(phone, survey="listening_session", role="facilitator"):
    page = phone.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Remove this entry?": yes
    browser_login(page, role)
    page.goto(f"/forms/{survey}")
    page.evaluate(LOGIC_JS)  # resolves once the logic is attached
    return page


def hidden(page, selector) -> bool:
    return page.eval_on_selector(selector, "e => e.closest('[hidden]') !== null")


def disabled(page, selector) -> bool:
    return page.eval_on_selector(selector, "e => e.disabled")


def test_skip_logic_hides_questions_and_their_answers_are_not_sent(phone):
    page = open_form(phone)
    assert hidden(page, "[data-key=participants]") and disabled(page, "input[name=women]")
    page.check("input[name=consent][value=yes]")
    assert not hidden(page, "[data-key=participants]") and not disabled(page, "input[name=women]")
    page.fill("input[name=women]", "6")
    assert not page.is_visible("[data-key=follow_up_what]")
    page.check("input[name=follow_up_needed][value=yes]")
    assert page.is_visible("[data-key=follow_up_what]")
    page.check("input[name=safeguarding_flag][value=yes]")
    assert page.is_visible("[data-key=safeguarding_note]")
    assert not page.is_visible("input[name=concerns_other]")
    page.check("input[name=concerns][value=other]")
    assert page.is_visible("input[name=concerns_other]")
    page.check("input[name=consent][value=no]")  # consent refused: the form ends here
    assert page.is_visible("[data-key=consent_no_note]")
    assert hidden(page, "[data-key=participants]") and hidden(page, "[data-key=follow_up]")
    posted = page.evaluate("() => [...new FormData(document.querySelector('form.survey-form')).keys()]")
    assert "women" not in posted and "concerns" not in posted and "consent" in posted
    assert page.input_value("input[name=women]") == "6", "a hidden answer is kept on the page"
    page.check("input[name=consent][value=yes]")
    assert "women" in page.evaluate(ANSWERS_JS)


def test_required_applies_only_when_relevant_and_constraints_speak_when_the_field_is_left(phone):
    page = open_form(phone)
    problems = page.evaluate(VALIDATE_JS)
    assert "consent" in problems and "women" not in problems  # hidden: not required
    page.check("input[name=consent][value=yes]")
    problems = page.evaluate(VALIDATE_JS)
    assert problems["women"] == ["This answer is required. Please answer this question."]
    for name, value in (("women", "2"), ("men", "1"), ("undisclosed", "0"), ("youth", "10")):
        page.fill(f"input[name={name}]", value)
    assert not page.is_visible("#f-youth-logic-error")  # not while typing
    page.focus("input[name=disabilities]")  # leave the field
    message = page.wait_for_selector("#f-youth-logic-error")
    assert message.text_content() == "Cannot be more than the total number of participants."
    assert page.get_attribute("input[name=youth]", "aria-invalid") == "true"
    assert "f-youth-logic-error" in page.get_attribute("input[name=youth]", "aria-describedby")
    page.fill("input[name=youth]", "3")
    page.focus("input[name=disabilities]")
    page.wait_for_selector("#f-youth-logic-error", state="detached")
    assert page.get_attribute("input[name=youth]", "aria-invalid") is None


def test_calculations_update_live(phone):
    page = open_form(phone)
    page.check("input[name=consent][value=yes]")
    page.fill("input[name=women]", "7")
    page.fill("input[name=men]", "5")
    assert page.input_value("input[name=total_participants]") == ""  # undisclosed still empty: NaN
    page.fill("input[name=undisclosed]", "1")
    assert page.input_value("input[name=total_participants]") == "13"
    page.fill("input[name=men]", "15")
    assert page.input_value("input[name=total_participants]") == "23"
    assert page.evaluate(ANSWERS_JS)["total_participants"] == 23


def test_cascading_choices_follow_the_district(phone):
    page = open_form(phone)
    wards = "input[name=ward]"
    assert page.eval_on_selector_all(wards, "es => es.filter(e => !e.closest('[hidden]')).length") == 0
    page.check("input[name=district][value=kisauni]")
    visible = page.eval_on_selector_all(
        wards, "es => es.filter(e => !e.closest('[hidden]')).map(e => e.value)"
    )
    assert visible == ["bamburi", "mtopanga", "shanzu", "mjambere"]
    page.check("input[name=ward][value=bamburi]")
    page.check("input[name=district][value=likoni]")
    assert not page.is_checked("input[name=ward][value=bamburi]"), "a ward of another district is cleared"
    assert hidden(page, "input[name=ward][value=bamburi]") and disabled(
        page, "input[name=ward][value=bamburi]"
    )
    assert not hidden(page, "input[name=ward][value=mtongwe]")
    page.check("input[name=consent][value=yes]")
    page.check("input[name=concerns][value=jobs]")
    page.check("input[name=concerns][value=drugs]")
    offered = page.eval_on_selector_all(
        "input[name=most_urgent]", "es => es.filter(e => !e.closest('[hidden]')).map(e => e.value)"
    )
    assert offered == ["jobs", "drugs"]


def test_repeats_are_added_and_removed_in_the_browser(phone):
    page = open_form(phone)
    page.check("input[name=consent][value=yes]")
    page.fill("input[name='networks[0].org_name']", "Youth network")
    page.click("[data-add-repeat][value=networks]")
    page.wait_for_selector("input[name='networks[1].org_name']")
    assert page.input_value("input[name=networks__count]") == "2"
    page.fill("input[name='networks[1].org_name']", "Mosque committee")
    page.check("input[name='networks[1].org_type'][value=religious]")
    page.click(".repeat-item[data-index='0'] [data-remove-repeat]")
    assert page.input_value("input[name=networks__count]") == "1"
    assert page.input_value("input[name='networks[0].org_name']") == "Mosque committee"
    assert page.is_checked("input[name='networks[0].org_type'][value=religious]")
    assert page.get_attribute("input[name='networks[0].org_name']", "id") == "f-networks-0-org_name"
    assert page.text_content(".repeat-item .repeat-title") == "Organisation or network mentioned 1"
    # Remove the last one too, then add again: the instance comes from the page's template.
    page.click(".repeat-item [data-remove-repeat]")
    assert page.input_value("input[name=networks__count]") == "0"
    assert "networks" not in page.evaluate(ANSWERS_JS)
    page.click("[data-add-repeat][value=networks]")
    page.wait_for_selector("input[name='networks[0].org_name']")
    assert page.input_value("input[name=networks__count]") == "1"
    assert page.get_attribute("label[for='f-networks-0-org_name']", "for") == "f-networks-0-org_name"
    page.fill("input[name='networks[0].org_name']", "Women's group")
    page.check("input[name='networks[0].org_type'][value=womens_group]")
    assert page.evaluate(ANSWERS_JS)["networks"] == [
        {"org_name": "Women's group", "org_type": "womens_group"}
    ]


def test_repeat_count_makes_as_many_entries_as_asked(phone, app):
    db = connect(app.config["DATABASE"])
    import_xlsform(db, (FORMS / "odk_child_questions.xlsx").read_bytes(), "odk_child_questions.xlsx")
    db.close()
    page = open_form(phone, survey="odk_child_questions")
    assert page.is_hidden("[data-add-repeat]")
    page.fill("input[name=number_of_children]", "3")
    assert page.locator(".repeat-item").count() == 3
    assert page.input_value("input[name=child_questions__count]") == "3"
    page.fill("input[name='child_questions[2].child_name']", "Zawadi")
    page.fill("input[name=number_of_children]", "1")
    assert page.locator(".repeat-item").count() == 1
    assert page.is_hidden(".repeat-item [data-remove-repeat]")


def test_language_switch_right_to_left_and_remembered_offline(phone, tmp_path):
    page = open_form(phone)
    wait_for_worker(page)
    page.check("input[name=consent][value=yes]")
    page.evaluate("() => { window.samePage = true; }")
    page.click("nav[data-form-langs] summary")  # folded into one line until opened
    page.click("nav[data-form-langs] a[data-lang=ar]")
    form = page.locator("form.survey-form")
    assert form.get_attribute("dir") == "rtl" and form.get_attribute("lang") == "ar"
    assert page.text_content("[data-key=consent] legend [data-tr=label]").strip() != ""
    assert page.text_content("h1") == "جلسة استماع مجتمعية"
    assert page.text_content("label[for='f-consent-yes'] [data-tr-choice]") == "نعم"
    assert page.input_value("input[name=_lang]") == "ar"
    assert page.get_attribute("nav[data-form-langs] a[data-lang=ar]", "aria-current") == "true"
    assert page.evaluate("() => window.samePage === true"), "switching needs no page load"
    assert page.is_checked("input[name=consent][value=yes]")
    assert page.evaluate("() => localStorage.getItem('survey-app-form-lang')") == "ar"
    page.screenshot(path=str(tmp_path / "form-ar.png"))  # a look at what a phone shows
    phone.set_offline(True)
    response = page.goto("/forms/listening_session")
    assert response is None or response.from_service_worker
    page.evaluate(LOGIC_JS)
    assert page.get_attribute("form.survey-form", "dir") == "rtl"
    assert page.text_content("h1") == "جلسة استماع مجتمعية"
    page.check("input[name=consent][value=yes]")  # the logic works offline, in Arabic
    assert not hidden(page, "[data-key=participants]")
    page.click("nav[data-form-langs] summary")  # folded into one line until opened
    page.click("nav[data-form-langs] a[data-lang=fr]")
    assert page.get_attribute("form.survey-form", "dir") == "ltr"
    assert page.text_content("label[for='f-consent-yes'] [data-tr-choice]") == "Oui"
    phone.set_offline(False)


def test_what_the_browser_builds_the_server_accepts_and_agrees_with(phone, client, token_for):
    page = open_form(phone)
    page.fill("input[name=session_date]", "2026-11-20")
    page.check("input[name=district][value=nyali]")
    page.check("input[name=ward][value=kongowea]")
    page.fill("input[name=venue]", "Church hall")
    page.check("input[name=languages_used][value=swahili]")
    page.check("input[name=session_type][value=mixed]")
    page.check("input[name=consent][value=yes]")
    for name, value in (("women", "9"), ("men", "4"), ("undisclosed", "0"), ("youth", "6")):
        page.fill(f"input[name={name}]", value)
    page.check("input[name=minority_present][value=no]")
    page.check("input[name=concerns][value=crime]")
    page.check("input[name=most_urgent][value=crime]")
    for name in ("trust_local_gov", "trust_police", "feel_safe"):
        page.check(f"input[name={name}][value='3']")
    page.fill("input[name='networks[0].org_name']", "Boda boda association")
    page.check("input[name='networks[0].org_type'][value=business_association]")
    page.check("input[name=follow_up_needed][value=no]")
    page.check("input[name=safeguarding_flag][value=no]")
    assert page.evaluate(VALIDATE_JS) == {}
    data = page.evaluate(ANSWERS_JS)
    assert data["total_participants"] == 13
    record = {"id": str(uuid.uuid4()), "survey": "listening_session", "version": "1", "data": data}
    headers = {"Authorization": f"Bearer {token_for('facilitator')}"}
    result = client.post("/api/v1/submissions", json={"submissions": [record]}, headers=headers).json
    assert result["results"][0]["status"] == "stored", result
    # And a record the browser would refuse, the server quarantines with the same message.
    page.fill("input[name=youth]", "40")
    browser = page.evaluate(VALIDATE_JS)
    record = {**record, "id": str(uuid.uuid4()), "data": page.evaluate(ANSWERS_JS)}
    server = client.post("/api/v1/submissions", json={"submissions": [record]}, headers=headers).json
    assert server["results"][0]["status"] == "quarantined"
    assert (
        browser
        == server["results"][0]["errors"]
        == {"youth": ["Cannot be more than the total number of participants."]}
    )


def test_nested_repeats_keep_their_names_when_added_and_removed(phone, app, tmp_path):
    survey = [
        ["type", "name", "label", "relevant"],
        ["begin_repeat", "household", "Household"],
        ["text", "head", "Head of household"],
        ["begin_repeat", "child", "Child"],
        ["integer", "age", "Age"],
        ["text", "school", "School", "${age} >= 6"],
        ["end_repeat"],
        ["end_repeat"],
    ]
    path = build_xlsform(tmp_path / "nested.xlsx", survey, settings={"form_id": "nested", "version": "1"})
    db = connect(app.config["DATABASE"])
    import_xlsform(db, path.read_bytes(), path.name)
    db.close()
    page = open_form(phone, survey="nested")
    page.click("[data-add-repeat][value=household]")
    page.wait_for_selector("input[name='household[1].head']")
    page.click("[data-add-repeat][value='household[1].child']")
    page.wait_for_selector("input[name='household[1].child[1].age']")
    page.fill("input[name='household[1].head']", "Halima")
    page.fill("input[name='household[1].child[1].age']", "9")
    assert page.is_visible("input[name='household[1].child[1].school']")  # its own entry's age
    assert not page.is_visible("input[name='household[1].child[0].school']")
    page.fill("input[name='household[1].child[1].school']", "Likoni Primary")
    page.click("[data-key=household] > .repeat-items > [data-index='0'] > [data-remove-repeat]")
    assert page.input_value("input[name=household__count]") == "1"
    assert page.input_value("input[name='household[0].head']") == "Halima"
    assert page.input_value("input[name='household[0].child[1].school']") == "Likoni Primary"
    assert page.input_value("input[name='household[0].child__count']") == "2"
    answers = page.evaluate(ANSWERS_JS)
    assert answers == {"household": [{"head": "Halima", "child": [{"age": 9, "school": "Likoni Primary"}]}]}
