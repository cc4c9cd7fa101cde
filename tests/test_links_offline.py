"""A public link's form works offline like the facilitator's (real Chromium, service worker).

A group member opens the link once online (in Arabic), the phone goes offline, the page
reloads from the cache, the answers go to the outbox, and back online they reach the
server through the link's own endpoint: no account, no cookie, only the link recorded.
A record filled offline on a page opened before a pause carries the page's ticket and is
accepted after the pause; one whose page came after the pause is refused on its own and
stays on the phone, marked with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support_links import ago, make_link, set_link
from support_offline import wait_for_worker, wait_until

from survey_app.db import connect
from survey_app.links.model import change_state

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestRemovedIn10Warning")

CACHED_JS = """
async (path) => {
  for (const name of await caches.keys()) {
    if (!name.startsWith('sa-pages-')) continue;
    const cache = await caches.open(name);
    if (await cache.match(path)) return true;
  }
  return false;
}
"""

OUTBOX_JS = """
async (user) => {
  const store = await self.SurveyStore.open(user);
  const rows = await store.list('outbox');
  store.db.close();
  return rows.map((r) => ({id: r.id, problem: r.problem || null, meta: r.meta}));
}
"""


def open_link_offline(phone, link, lang="ar"):
    page = phone.new_page()
    page.goto(f"/p/{link.token}?lang={lang}")
    wait_for_worker(page)
    path = f"/p/{link.token}?lang={lang}"
    wait_until(lambda: page.evaluate(CACHED_JS, path), message="the link's page in the cache")
    phone.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    return page


def fill_feedback(page):
    page.check("#f-age_band-age_15_17")
    page.check("#f-gender-prefer_not_say")
    page.check("#f-member_group-youth_group")
    page.check("#f-biggest_concerns-jobs")
    page.check("#f-feel_safe-2")
    page.check("#f-trust_city_act-1")
    page.fill("#f-biggest_difference", "فرص عمل للشباب")


def finalise(page) -> str:
    record_id = page.input_value("input[name=_id]")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    return record_id


def submissions(db, link_id):
    return list(db.query("SELECT * FROM submissions WHERE link_id = ?", [link_id]))


def test_public_form_fills_offline_in_arabic_and_syncs_through_the_link(app, phone, live_server, db):
    link = make_link(app)
    page = open_link_offline(phone, link)
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("body", "data-user") == f"link:{link.id}"
    fill_feedback(page)
    record_id = finalise(page)
    assert submissions(db, link.id) == []
    assert [r["id"] for r in page.evaluate(OUTBOX_JS, f"link:{link.id}")] == [record_id]

    phone.set_offline(False)  # the page syncs on the online event
    rows = wait_until(lambda: submissions(db, link.id), message="the record on the server")
    [row] = rows
    assert row["id"] == record_id and row["submitted_by"] is None and row["source"] == "link"
    assert json.loads(row["data"])["biggest_difference"] == "فرص عمل للشباب"
    assert "device_id" not in json.loads(row["meta"]) and "account" not in json.loads(row["meta"])
    wait_until(lambda: page.evaluate(OUTBOX_JS, f"link:{link.id}") == [], message="an empty outbox")


def test_a_record_filled_offline_before_a_pause_is_accepted_after_it(app, phone, live_server, db):
    link = make_link(app)
    page = open_link_offline(phone, link, lang="en")  # the page (and its ticket) is cached
    fill_feedback(page)
    record_id = finalise(page)
    [waiting] = page.evaluate(OUTBOX_JS, f"link:{link.id}")
    assert waiting["meta"]["link_ticket"] == page.get_attribute("form.survey-form", "data-link-ticket")
    pause = connect(app.config["DATABASE"])
    change_state(pause, link.id, "pause", None)  # the coordinator pauses while the phone is offline
    pause.close()
    phone.set_offline(False)
    [row] = wait_until(lambda: submissions(db, link.id), message="the record on the server")
    assert row["id"] == record_id and "link_ticket" not in json.loads(row["meta"])


def test_a_record_started_after_the_pause_stays_on_the_phone_with_the_reason(app, phone, live_server, db):
    link = make_link(app)
    page = open_link_offline(phone, link, lang="en")
    set_link(app, link.id, state="paused", state_changed_at=ago(hours=1))
    fill_feedback(page)
    record_id = finalise(page)
    phone.set_offline(False)
    outbox = wait_until(
        lambda: [r for r in page.evaluate(OUTBOX_JS, f"link:{link.id}") if r["problem"]],
        message="the refused record marked on the phone",
    )
    assert outbox[0]["id"] == record_id and "backup file" in outbox[0]["problem"]
    # The confirmation no longer says it will be sent: it gives the server's reason.
    page.wait_for_selector("#finalised[data-state=problem]")
    assert outbox[0]["problem"] in page.inner_text("#finalised")
    assert submissions(db, link.id) == []
    # The page shows why, and offers the backup file and a retry (there is no home screen).
    panel = page.locator("#link-phone")
    panel.wait_for(state="visible")
    assert panel.locator("[data-waiting]").inner_text() == "1"
    assert "started after the link closed" in panel.locator("[data-problems]").inner_text()
    with page.expect_download() as download:
        panel.locator("[data-backup]").click()
    backup = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert [item["id"] for item in backup["submissions"]] == [record_id]
    set_link(app, link.id, state="active", state_changed_at=ago(seconds=1))  # resumed
    panel.locator("[data-send-now]").click()
    wait_until(lambda: submissions(db, link.id), message="the record sent after the link resumed")
    panel.wait_for(state="hidden")
