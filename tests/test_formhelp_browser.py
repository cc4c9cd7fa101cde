"""The facilitator's form on a 390-px phone (issue 12, section 6): errors cleared once
answered, the offline notice, records named in the lists, a repeat entry removed only
when confirmed and put back with Undo."""

from __future__ import annotations

from conftest import browser_login
from support_offline import fill_listening_session, store_call, wait_for_worker, wait_saved


def open_form(phone):
    page = phone.new_page()
    browser_login(page)
    page.goto("/forms/listening_session")
    page.wait_for_selector(".save-state")
    return page


def test_a_required_error_goes_away_when_its_question_is_answered(phone, live_server):
    page = open_form(phone)
    page.check("input[name=consent][value=yes]")
    page.click("[data-finalise]")
    page.wait_for_selector("#client-errors")
    before = int(page.inner_text("#client-errors h2").split()[2])
    assert page.locator("[data-key=venue] .error").count() == 1
    page.fill("input[name=venue]", "Church hall")
    assert page.locator("[data-key=venue] .error").count() == 0
    assert "has-error" not in (page.get_attribute("[data-key=venue]", "class") or "")
    assert int(page.inner_text("#client-errors h2").split()[2]) == before - 1
    assert "Church" not in page.inner_text("#client-errors")


def test_the_form_says_when_the_phone_is_offline(phone, live_server):
    page = open_form(phone)
    assert page.locator("[data-connection]").is_hidden()
    phone.set_offline(True)
    page.wait_for_selector("[data-connection=offline]")
    assert "offline" in page.inner_text("[data-connection]").lower()
    phone.set_offline(False)
    page.wait_for_selector("[data-connection=online]", state="hidden")


def test_records_are_named_by_date_venue_and_ward_in_the_lists(phone, live_server):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    page.goto("/forms/listening_session")
    fill_listening_session(page, 4)
    page.fill("input[name=session_date]", "2026-11-20")
    wait_saved(page)
    [draft] = store_call(page, "list", "draft")
    assert "2026-11-20 · Community hall 4 · " in draft["title"]
    page.goto("/")
    # The home screen lists drafts once it has read the store: wait for it, not a moment.
    page.wait_for_function(
        "() => document.querySelector('#drafts-list').innerText.includes('Community hall 4')"
    )


def test_removing_a_repeat_entry_asks_first_and_can_be_undone(phone, live_server):
    page = open_form(phone)
    page.check("input[name=consent][value=yes]")
    page.fill("input[name='networks[0].org_name']", "Youth network")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".repeat-item [data-remove-repeat]")
    assert page.input_value("input[name='networks[0].org_name']") == "Youth network"  # kept
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".repeat-item [data-remove-repeat]")
    assert page.input_value("input[name=networks__count]") == "0"
    page.click("[data-undo-remove] button")
    page.wait_for_selector("input[name='networks[0].org_name']")
    assert page.input_value("input[name='networks[0].org_name']") == "Youth network"
    assert page.input_value("input[name=networks__count]") == "1"


def test_sections_can_be_jumped_to_progress_shows_and_a_reload_returns_to_the_place(phone, live_server):
    page = open_form(phone)
    sections = page.locator("nav.sections li a")
    assert sections.count() >= 3
    done = "() => Number(document.querySelector('[data-progress]').dataset.done)"
    page.wait_for_function(f"{done} > 0")  # the date is today already, once the logic has run
    before = int(page.get_attribute("[data-progress]", "data-done"))
    page.fill("input[name=venue]", "Church hall")
    page.wait_for_function(f"() => ({done})() === {before + 1}")
    assert "questions answered" in page.inner_text("[data-progress]")
    page.click("nav.sections summary")
    last = sections.nth(sections.count() - 1)
    target = last.get_attribute("href")
    last.click()
    page.wait_for_function(f"() => document.querySelector('{target}').getBoundingClientRect().top < 200")
    page.mouse.wheel(0, 10)
    page.wait_for_timeout(600)  # the place is kept a moment after scrolling stops
    wait_saved(page)
    depth = page.evaluate("window.scrollY")
    assert depth > 300  # well down the page (its top is short: one language line)
    page.reload()
    page.wait_for_selector(".save-state[data-save-state=saved]")
    page.wait_for_function(f"() => window.scrollY > {depth // 2}")
