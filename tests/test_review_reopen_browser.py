"""A coordinator corrects a quarantined record in its form page, in Chromium: the page's
script checks it like the phone (a wrong answer never leaves the page), recomputes the
calculations, adds a repeat entry in place, then posts the correction."""

from __future__ import annotations

import json
import re

from conftest import browser_login
from support_coordinators import item, send, session


def test_a_correction_in_the_form_page_with_javascript(phone, client, db, token_for):
    sent = session(3, women="twelve")
    record = item(sent)
    assert send(client, token_for("facilitator"), [record])[0]["status"] == "quarantined"
    page = phone.new_page()
    browser_login(page, "coordinator")
    page.goto(f"/coordinate/submissions/{record['id']}")
    page.click("[data-correct-in-form]")
    page.wait_for_url(re.compile(r".*/edit$"))
    assert page.input_value("#f-women") == "twelve"
    assert page.input_value("#f-networks-1-org_name") == "Mama Lishe Group"
    page.wait_for_function("() => document.querySelector('form[data-correction]') !== null")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, "fits a phone"

    # The phone's checks run here too: a negative count is refused before anything is sent.
    page.fill("#f-women", "-4")
    page.click("[data-finalise]")
    page.wait_for_selector("#client-errors")
    assert page.url.endswith("/edit")
    assert db.execute("SELECT count(*) FROM submission_corrections").fetchone()[0] == 0

    page.fill("#f-women", "5")
    total = 5 + sent["men"] + sent["undisclosed"]
    page.wait_for_function(
        f"() => document.querySelector('input[name=\"total_participants\"]').value === '{total}'"
    )
    page.click("fieldset[data-key='networks'] > [data-add-repeat]")
    page.wait_for_selector("#f-networks-2-org_name")
    page.fill("#f-networks-2-org_name", "Bunge la Vijana")
    page.check("#f-networks-2-org_type-youth_group")
    page.fill("#f-correction-comment", "Phoned the facilitator")
    page.click("[data-finalise]")
    page.wait_for_url(re.compile(rf".*/coordinate/submissions/{record['id']}$"))
    assert "Phoned the facilitator" in page.content()

    data, validation = db.execute(
        "SELECT data, validation FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()
    corrected = json.loads(data)
    assert validation == "valid" and corrected["women"] == 5 and corrected["total_participants"] == total
    assert [n["org_name"] for n in corrected["networks"]] == [
        "Vijana Amani",
        "Mama Lishe Group",
        "Bunge la Vijana",
    ]
    original = db.execute("SELECT original_data FROM submission_corrections").fetchone()[0]
    assert json.loads(original) == sent
    # Nothing of the correction went into the coordinator's own drafts or outbox.
    stored = page.evaluate(
        """async () => {
             let total = 0;
             for (const { name } of await indexedDB.databases()) {
               const db = await new Promise((ok, fail) => {
                 const open = indexedDB.open(name);
                 open.onsuccess = () => ok(open.result);
                 open.onerror = fail;
               });
               if ([...db.objectStoreNames].includes('records')) {
                 total += await new Promise((ok) => {
                   const count = db.transaction('records').objectStore('records').count();
                   count.onsuccess = () => ok(count.result);
                 });
               }
               db.close();
             }
             return total;
           }"""
    )
    assert stored == 0
