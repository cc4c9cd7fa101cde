"""Issue 14 in Debian's Chromium: a facilitator picks a registry organisation offline in a
new session; a group member opens the public page from the thank-you screen, on a phone
(360 px wide), in Arabic and in Swahili."""

from __future__ import annotations

import json

from conftest import Auth, browser_login
from support_coordinators import item, send, session
from support_links import ANSWERS, SURVEY, make_link
from support_offline import counts, fill_listening_session, wait_for_worker, wait_saved, wait_until

from survey_app.db import connect
from survey_app.plans.heard import publish


def test_facilitator_picks_a_registry_organisation_offline(app, phone, live_server, token_for, db):
    client = app.test_client()
    send(
        client,
        token_for("facilitator"),
        [
            item(
                session(
                    0,
                    networks=[
                        {
                            "org_name": "Vijana Amani Youth Group",
                            "org_type": "youth_group",
                            "could_partner": "yes",
                        }
                    ],
                )
            )
        ],
    )
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    page.goto("/forms/listening_session")  # online once: the worker keeps the organisation list
    page.wait_for_selector("datalist#registry-organisations option", state="attached")
    phone.set_offline(True)

    response = page.goto("/forms/listening_session")
    assert response.from_service_worker
    page.wait_for_selector("datalist#registry-organisations option", state="attached")
    options = page.eval_on_selector_all(
        "datalist#registry-organisations option", "els => els.map(e => e.value)"
    )
    assert options == ["Vijana Amani Youth Group"]
    fill_listening_session(page, 1)
    page.click("[data-add-repeat]")
    name = page.locator('input[name="networks[0].org_name"]')
    assert name.get_attribute("list") == "registry-organisations"
    name.fill("vijana amani youth group")  # what picking from the list or typing gives
    name.press("Tab")
    assert name.input_value() == "Vijana Amani Youth Group"
    assert page.is_checked('input[name="networks[0].org_type"][value=youth_group]')
    wait_saved(page)
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    assert counts(page)["outbox"] == 1

    phone.set_offline(False)
    page.goto("/")
    page.click("#sync-now")
    wait_until(lambda: counts(page)["outbox"] == 0, message="the outbox to empty")
    rows = [json.loads(r[0]) for r in db.execute("SELECT data FROM submissions").fetchall()]
    assert sorted(r["networks"][0]["org_name"] for r in rows) == ["Vijana Amani Youth Group"] * 2
    staff = app.test_client()
    Auth(staff).login("coordinator")
    assert staff.get("/coordinate/registry").status_code == 200
    assert db.execute("SELECT count(*) FROM registry_orgs").fetchone()[0] == 1  # no duplicate entry
    assert db.execute("SELECT count(*) FROM registry_mentions").fetchone()[0] == 2


def test_public_page_from_the_thank_you_screen_in_arabic_and_swahili(app, browser, live_server, token_for):
    client = app.test_client()
    # A public link is for a survey filled in by the public (listening sessions are not).
    answers = dict(ANSWERS, neighbourhood="Likoni", biggest_concerns=["jobs", "drugs"])
    items = [item(dict(answers), survey=SURVEY) for _ in range(8)]
    send(client, token_for("facilitator"), items)
    db = connect(app.config["DATABASE"])
    publish(db, SURVEY, None, 5, None)
    db.close()
    link = make_link(app, survey=SURVEY)
    for language, direction in (("ar", "rtl"), ("sw", "ltr")):
        context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
        page = context.new_page()
        page.goto(f"/p/{link.token}/thanks?lang={language}")
        page.click("[data-heard-link]")
        page.wait_for_url(f"**/p/{link.token}/heard*")
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == direction
        assert page.locator("h1").is_visible()
        assert page.locator("[data-concern=jobs]").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{language}: the page scrolls sideways ({width}px)"
        context.close()
