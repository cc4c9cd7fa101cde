"""The facilitator's form and lists on a small phone (360 and 390 px), in Chromium.

What a facilitator found on a real phone: two language rows pushing the first question
down the screen, staff words, and a list of what they sent that was cut off and could
not be opened.
"""

from __future__ import annotations

from conftest import browser_login

LANGUAGE_CONTROLS = """() => [...document.querySelectorAll('nav')]
  .filter((nav) => nav.querySelector('a[data-lang]') && nav.getBoundingClientRect().height > 0).length"""


def small_phone(browser, live_server, width=360, height=740):
    return browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url)


def test_the_form_opens_with_one_language_choice_and_the_first_question_on_screen(browser, live_server):
    context = small_phone(browser, live_server)
    try:
        page = context.new_page()
        browser_login(page)
        page.goto("/forms/listening_session")
        page.wait_for_selector(".save-state")
        assert page.evaluate(LANGUAGE_CONTROLS) == 1
        first = page.locator(".survey-form .q").first
        field = first.locator("input").first.bounding_box()
        bar = page.locator(".survey-form .actions").bounding_box()
        assert first.bounding_box()["y"] < 600, first.bounding_box()
        # The first question can be answered without scrolling: above the sticky send bar.
        assert field["y"] + field["height"] <= bar["y"], (field, bar)
        # The one choice still offers every language of the form, each a 44-px target.
        page.click("nav[data-form-langs] summary")
        links = page.locator("nav[data-form-langs] a[data-lang]")
        assert links.count() == 4
        for link in links.all():
            box = link.bounding_box()
            assert box["height"] >= 44 and box["x"] + box["width"] <= 360 + 1, box
        page.click("nav[data-form-langs] a[data-lang=fr]")
        assert page.text_content("nav[data-form-langs] [data-lang-current]") == "Français"
        assert page.get_attribute("form.survey-form", "lang") == "fr"
        assert not page.locator("nav[data-form-langs] details").evaluate("(d) => d.open")
    finally:
        context.close()


def test_the_home_page_tells_a_facilitator_about_sending_and_space_in_plain_words(phone):
    page = phone.new_page()
    browser_login(page)
    page.wait_for_function("() => document.getElementById('storage-state').dataset.files !== undefined")
    text = page.inner_text("#device-records")
    for staff in ("Outbox", "Sync", "Storage", "Not guaranteed", "used of", "GB"):
        assert staff not in text, staff
    assert page.inner_text("#sync-now") == "Send now"
    assert "saved." in page.inner_text("#storage-state")
    page.goto("/?lang=sw")
    page.wait_for_function("() => document.getElementById('storage-state').dataset.files !== undefined")
    assert page.inner_text("#sync-now") == "Tuma sasa"
    assert "zimehifadhiwa." in page.inner_text("#storage-state")


def test_my_submissions_fit_a_390px_phone_and_each_opens_read_only(phone, client, token_for):
    from support_coordinators import item, send, session

    records = [item(session(n, venue="The long-named community social hall of ward " * 2)) for n in range(3)]
    send(client, token_for("facilitator"), records)
    page = phone.new_page()
    browser_login(page)
    page.goto("/my/submissions")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    rows = page.locator("ul.sent-records a.record-link")
    assert rows.count() == 3
    for row in rows.all():
        for part in [row, *row.locator("strong, span, small").all()]:
            box = part.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, box
        assert "ref " in row.inner_text()
    rows.first.click()
    page.wait_for_url("**/my/submissions/*")
    assert page.locator("dl.answers").is_visible()
    assert page.locator("main form, main input, main textarea").count() == 0  # read-only
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


CACHED = "async (url) => !!(await caches.match(url))"


def test_capture_code_the_precache_left_out_is_kept_once_used_and_works_offline(phone, db):
    """The account's precache holds only the capture modules its forms need; a form
    published later brings its own (here the barcode module) on first use, kept offline."""
    from support_offline import wait_for_worker, wait_until

    from survey_app.surveys.registry import publish

    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    assert page.evaluate(CACHED, "/static/js/capture/files.js")  # the listening session's photo
    assert not page.evaluate(CACHED, "/static/js/capture/barcode.js")  # no form needs it yet
    assert not page.evaluate(CACHED, "/static/js/publicform.js")  # public links only
    definition = {
        "id": "poster_codes",
        "version": "1",
        "title": {"en": "Posters"},
        "questions": [{"name": "code", "type": "barcode", "label": {"en": "Code on the poster"}}],
    }
    publish(db, definition, source="test")
    page.goto("/forms/poster_codes")  # once, online
    wait_until(lambda: page.evaluate(CACHED, "/static/js/capture/barcode.js"), message="barcode.js kept")
    phone.set_offline(True)
    try:
        response = page.reload()
        assert response is None or response.from_service_worker
        page.wait_for_selector(".save-state")
        assert (
            page.evaluate("async () => typeof (await import('/static/js/capture/barcode.js')).attach")
            == "function"
        )
        page.fill("input[name=code]", "POSTER-17")  # typed, offline
    finally:
        phone.set_offline(False)


def test_the_first_install_keeps_the_open_form_without_downloading_it_again(app, phone):
    """Page weight: the worker takes the form page the window has just loaded from the
    browser's HTTP cache (it is of this release) instead of asking the server again."""
    from conftest import PASSWORD
    from flask import request
    from support_offline import wait_for_worker

    asked: list[str] = []
    app.before_request(lambda: asked.append(request.path) if request.method == "GET" else None)
    page = phone.new_page()
    page.goto("/login?next=/forms/listening_session")
    page.fill("#username", "facilitator")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/forms/listening_session")
    wait_for_worker(page)
    page.wait_for_function(
        "async () => !!(await caches.match('/forms/community_feedback'))"
    )  # the install is done
    assert asked.count("/forms/listening_session") == 1, asked
    assert asked.count("/forms/community_feedback") == 1  # not open: fetched as before
    phone.set_offline(True)
    try:
        offline = phone.new_page()
        response = offline.goto("/forms/listening_session")
        assert response is None or response.from_service_worker
        offline.wait_for_selector(".save-state")
        offline.fill("input[name=venue]", "Church hall")  # a working form, offline
    finally:
        phone.set_offline(False)
