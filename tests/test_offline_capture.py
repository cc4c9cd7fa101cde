"""The offline client in a real browser (Debian's Chromium): capture without a connection.

Issue 3, point 7: (a) the app and the form open from the cache offline, (b) records
finalised offline stay in the outbox across closing the page, (e) a draft survives a
reload half-way; plus the data shape the phone sends (the same as the no-JavaScript
post), the form without JavaScript, the warning when storage is unavailable, and
drafts that belong to one account on a shared phone.
"""

from __future__ import annotations

import re

from conftest import PASSWORD, browser_login
from support_offline import (
    RequestLog,
    counts,
    fill_listening_session,
    store_call,
    wait_for_worker,
    wait_saved,
)
from werkzeug.datastructures import MultiDict

from survey_app.capture.formdata import form_answers, read_scope
from survey_app.surveys.registry import get_definition


def open_offline_ready(phone, role: str = "facilitator"):
    """Sign in, let the worker install and take control, then cut the connection."""
    page = phone.new_page()
    browser_login(page, role)
    wait_for_worker(page)
    phone.set_offline(True)
    return page


def finalise(page) -> str:
    """Press "Finish and send" and wait for the outbox confirmation; return the record id."""
    record_id = page.input_value("input[name=_id]")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    return record_id


def test_a_app_and_form_open_offline_from_the_cache(app, phone, live_server):
    log = RequestLog(app)
    page = open_offline_ready(phone)
    log.clear()

    response = page.reload()
    assert response.from_service_worker
    assert page.inner_text("h1").startswith("Hello, facilitator")
    assert page.locator("[data-survey-link=listening_session]").is_visible()

    response = page.goto("/forms/listening_session")
    assert response.from_service_worker
    assert page.locator("form.survey-form[data-survey=listening_session]").is_visible()
    assert page.locator("input[name=venue]").is_editable()
    # The cached page carries the id it was rendered with; the phone gives each form its own.
    first_id = page.input_value("input[name=_id]")
    page.goto("/forms/listening_session")
    assert page.input_value("input[name=_id]") != first_id

    assert page.goto("/forms/community_feedback").from_service_worker
    assert page.goto("/logout").from_service_worker
    assert log.paths == [], f"requests reached the server while offline: {log.paths}"


def test_b_records_finalised_offline_stay_in_the_outbox_after_closing(phone, live_server):
    page = open_offline_ready(phone)
    ids = []
    for n in range(3):
        page.goto("/forms/listening_session")
        fill_listening_session(page, n)
        ids.append(finalise(page))
        assert "Saved in the outbox" in page.inner_text("#finalised")
    assert len(set(ids)) == 3
    page.close()

    page = phone.new_page()
    assert page.goto("/").from_service_worker
    page.wait_for_function("() => document.querySelector('[data-count=outbox]').textContent === '3'")
    assert counts(page) == {"draft": 0, "outbox": 3, "sent": 0}
    outbox = store_call(page, "list", "outbox")
    assert sorted(record["id"] for record in outbox) == sorted(ids)
    assert "3 records wait to be sent" in page.inner_text("#sync-summary")


def test_e_draft_survives_a_reload_half_way(phone, live_server):
    page = open_offline_ready(phone)
    page.goto("/forms/listening_session")
    record_id = page.input_value("input[name=_id]")
    page.check("input[name=district][value=nyali]")
    page.fill("input[name=venue]", "Mosque courtyard")
    page.check("input[name=languages_used][value=arabic]")
    page.check("input[name=consent][value=yes]")
    page.fill("input[name=women]", "14")
    page.fill("textarea[name=concerns_own_words]", "Water points are far;\nyoung men are idle.")
    wait_saved(page)
    assert f"draft={record_id}" in page.url

    page.reload()
    wait_saved(page)
    assert page.input_value("input[name=_id]") == record_id
    assert page.is_checked("input[name=district][value=nyali]")
    assert page.input_value("input[name=venue]") == "Mosque courtyard"
    assert page.is_checked("input[name=languages_used][value=arabic]")
    assert not page.is_checked("input[name=languages_used][value=english]")
    assert page.input_value("input[name=women]") == "14"
    assert page.input_value("textarea[name=concerns_own_words]") == (
        "Water points are far;\nyoung men are idle."
    )

    # Home lists it; resuming opens the same draft; discarding asks first.
    page.goto("/")
    page.wait_for_function("() => document.querySelector('[data-count=draft]').textContent === '1'")
    page.click(f"[data-resume='{record_id}']")
    page.wait_for_function("id => document.querySelector('input[name=_id]').value === id", arg=record_id)
    assert page.input_value("input[name=venue]") == "Mosque courtyard"
    page.goto("/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(f"[data-discard='{record_id}']")
    assert counts(page)["draft"] == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"[data-discard='{record_id}']")
    page.wait_for_function("() => document.querySelector('[data-count=draft]').textContent === '0'")
    assert counts(page)["draft"] == 0


def test_phone_reads_the_form_as_the_server_reads_its_post(app, phone, live_server):
    """readAnswers() in formread.js against read_scope() in formdata.py, on one filled
    form: repeats added offline, "other" answers, several choices, numbers, a location."""
    page = open_offline_ready(phone)
    page.goto("/forms/listening_session")
    fill_listening_session(page, 7)
    page.check("input[name=session_type][value=other]")
    page.fill("input[name=session_type_other]", "Boda-boda riders")
    page.check("input[name=concerns][value=other]")
    page.fill("input[name=concerns_other]", "Street lighting")
    page.fill("input[name='networks[0].org_name']", "Likoni Youth Network")
    page.check("input[name='networks[0].org_type'][value=youth_group]")
    page.click("[data-add-repeat]")
    page.fill("input[name='networks[1].org_name']", "Mama Lishe Group")
    page.check("input[name='networks[1].org_type'][value=womens_group]")
    page.fill("input[name=location__lat]", "-4.08")
    page.fill("input[name=location__lon]", "39.66")
    wait_saved(page)
    record_id = page.input_value("input[name=_id]")
    pairs = page.evaluate("[...new FormData(document.querySelector('form.survey-form'))]")
    raw = page.evaluate(
        "import('/static/js/formread.js')"
        ".then((m) => m.readAnswers(document.querySelector('form.survey-form')))"
    )

    with app.app_context():
        from survey_app.db import get_db

        definition = get_definition(get_db(), "listening_session")
    assert raw == read_scope(definition["questions"], MultiDict(pairs))
    # What the phone saves is what the server makes of the same form posted without
    # JavaScript: the skip-logic module's calculations included, non-relevant answers out.
    record = store_call(page, "get", record_id)
    assert record["data"] == form_answers(definition, MultiDict(pairs))
    assert record["data"]["total_participants"] == 17 + 8 + 1
    assert raw["women"] == 17 and isinstance(raw["women"], int)
    assert raw["networks"] == [
        {"org_name": "Likoni Youth Network", "org_type": "youth_group"},
        {"org_name": "Mama Lishe Group", "org_type": "womens_group"},
    ]
    assert raw["location"] == {"lat": -4.08, "lon": 39.66}
    assert raw["concerns_other"] == "Street lighting"
    assert raw["session_type_other"] == "Boda-boda riders"

    # The added instance comes back after a reload, with its answers.
    page.reload()
    wait_saved(page)
    assert page.input_value("input[name='networks[1].org_name']") == "Mama Lishe Group"
    assert page.input_value("input[name=networks__count]") == "2"


def test_required_answers_are_checked_before_the_outbox(phone, live_server):
    page = open_offline_ready(phone)
    page.goto("/forms/listening_session")
    page.fill("input[name=venue]", "Church hall")
    page.click("[data-finalise]")
    summary = page.locator("#client-errors")
    summary.wait_for()
    assert "Please check" in summary.inner_text()
    assert page.locator("[data-key=district] [data-client-error]").is_visible()
    assert counts(page)["outbox"] == 0
    assert page.evaluate("document.activeElement.id") == "client-errors"


def test_form_posts_without_javascript(browser, live_server, db):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    browser_login(page)
    page.goto("/forms/listening_session")
    page.fill("input[name=session_date]", "2026-11-20")
    fill_listening_session(page, 2)
    page.click("[data-finalise]")
    page.wait_for_url(re.compile(r".*/thanks.*"))
    rows = list(db.query("SELECT source, validation, data FROM submissions"))
    context.close()
    assert [(row["source"], row["validation"]) for row in rows] == [("form", "valid")]


def test_form_warns_before_typing_when_storage_is_unavailable(phone, live_server):
    page = phone.new_page()
    browser_login(page)
    page.add_init_script("Object.defineProperty(window, 'indexedDB', {get: () => undefined})")
    page.goto("/forms/listening_session")
    notice = page.locator("#offline-notice[role=alert]")
    notice.wait_for()
    assert "cannot save drafts" in notice.inner_text()
    # The warning sits above the first question, so it is read before anything is typed.
    assert page.evaluate(
        "document.querySelector('#offline-notice').compareDocumentPosition("
        "document.querySelector('input[name=venue]')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )


def test_drafts_belong_to_one_account_and_signing_out_warns(phone, live_server):
    page = open_offline_ready(phone)
    page.goto("/forms/listening_session")
    page.fill("input[name=venue]", "Draft of the facilitator")
    wait_saved(page)
    page.goto("/forms/community_feedback")
    page.check("input[name=age_band] >> nth=0")
    wait_saved(page)

    assert page.goto("/logout").from_service_worker  # a warning even offline
    warning = page.locator("#signout-warning")
    warning.wait_for()
    assert "2 drafts are not finished" in warning.inner_text()
    # Signing out needs the server: offline, nothing changes and the pages stay.
    page.click("#signout-form button[type=submit]")
    assert "No connection" in page.locator("#signout-form [role=alert]").inner_text()
    assert any(name.startswith("sa-pages-") for name in page.evaluate("caches.keys()"))

    phone.set_offline(False)
    page.goto("/logout")
    warning.wait_for()
    page.click("#signout-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/login.*"))
    assert [name for name in page.evaluate("caches.keys()") if name.startswith("sa-pages-")] == []

    browser_login(page, "coordinator")
    page.wait_for_function("() => document.querySelector('[data-count=draft]') !== null")
    page.wait_for_selector("#device-records [data-js]:not([hidden])")
    assert page.inner_text("[data-count=draft]") == "0"
    assert counts(page) == {"draft": 0, "outbox": 0, "sent": 0}
    page.goto("/logout")
    page.click("#signout-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/login.*"))

    page.fill("#username", "facilitator")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/$"))
    page.wait_for_function("() => document.querySelector('[data-count=draft]').textContent === '2'")
