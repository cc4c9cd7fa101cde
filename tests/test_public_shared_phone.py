"""A shared phone leaks nothing of an anonymous respondent (issue 9, items 8 and 9), in
Debian's Chromium.

A group member starts answering through a public link, switches language, and gives up
half way without deleting anything. The next person on the same phone looks through the
browser's history, the back and forward buttons, a reload, a fresh visit and the page's
own "Answers on this phone" panel: none of them shows the answers or the draft's id.
Unfinished answers left behind are deleted from the phone after PUBLIC_DRAFT_HOURS
(the clock is driven by ageing the stored timestamps). "Delete my answers from this
phone" removes waiting and unfinished answers after a confirmation. Once the server has
an answer, the page says so in the respondent's language, with no staff words.
"""

from __future__ import annotations

import re

from support_links import make_link
from support_offline import store_call, wait_for_worker, wait_until

from survey_app.links.texts import TEXTS, text, unfinished_notice

SECRET = "my uncle hits me"
STAFF_WORDS = re.compile(r"\b(outbox|reference|app)\b", re.IGNORECASE)

ALL_RECORDS_JS = """
async () => {
  const m = await import('/static/js/offline.js');
  const store = await m.openStore();
  const rows = [];
  for (const state of ['draft', 'outbox', 'sent']) rows.push(...(await store.list(state)));
  return rows;
}
"""

AGE_JS = """
async ([id, hours]) => {
  const m = await import('/static/js/offline.js');
  const store = await m.openStore();
  const old = new Date(Date.now() - hours * 3600 * 1000).toISOString();
  await store.tx(['records'], 'readwrite', (records) => new Promise((resolve, reject) => {
    const request = records.get(id);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const put = records.put({ ...request.result, created_at: old, updated_at: old });
      put.onsuccess = () => resolve();
      put.onerror = () => reject(put.error);
    };
  }));
}
"""

CACHED_JS = """
async (path) => {
  for (const name of await caches.keys()) {
    if (!name.startsWith('sa-pages-')) continue;
    if (await (await caches.open(name)).match(path)) return true;
  }
  return false;
}
"""


def started(page) -> str:
    """Wait until the form's script took over (it puts the save state line in); return the id."""
    page.wait_for_selector(".save-state")
    return page.input_value("input[name=_id]")


def saved_draft(page, record_id: str, answer: str, value) -> dict:
    """Wait until the phone's copy of the draft holds an answer."""
    return wait_until(
        lambda: (
            (store_call(page, "get", record_id) or {}).get("data", {}).get(answer) == value
            and store_call(page, "get", record_id)
        ),
        message=f"the draft saved with {answer}",
    )


def history_urls(page) -> list[str]:
    session = page.context.new_cdp_session(page)
    try:
        return [entry["url"] for entry in session.send("Page.getNavigationHistory")["entries"]]
    finally:
        session.detach()


def assert_fresh(page, secret_id: str) -> None:
    """The page shows an empty form with a new id, and nothing of the earlier answers."""
    new_id = started(page)
    assert new_id != secret_id
    assert not page.is_checked("#f-age_band-age_15_17")
    assert not page.is_checked("#f-gender-woman")
    assert page.input_value("#f-biggest_difference") == ""
    assert SECRET not in page.content() and secret_id not in page.content()
    assert page.locator("#link-phone").is_hidden()  # the page's own list: nothing waits
    assert secret_id not in page.url


def test_the_next_person_finds_nothing_of_an_abandoned_answer(app, phone, live_server):
    link = make_link(app)
    page = phone.new_page()
    page.goto(f"/p/{link.token}?lang=en")
    record_id = started(page)
    page.check("#f-age_band-age_15_17")
    page.fill("#f-biggest_difference", SECRET)
    saved_draft(page, record_id, "biggest_difference", SECRET)
    assert record_id not in page.url and "draft" not in page.url

    # The respondent switches language: the answers follow them, the address does not.
    page.click(".langs a[data-lang=fr]")
    page.wait_for_url(re.compile(r"lang=fr"))
    assert started(page) == record_id
    assert page.input_value("#f-biggest_difference") == SECRET
    page.check("#f-gender-woman")
    saved_draft(page, record_id, "gender", "woman")
    # ... and gives up half way, handing the phone on.

    assert not [url for url in history_urls(page) if record_id in url or "draft" in url]
    page.go_back()
    page.wait_for_url(re.compile(r"lang=en"))
    assert_fresh(page, record_id)
    page.go_forward()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert_fresh(page, record_id)
    page.reload()
    assert_fresh(page, record_id)
    other = phone.new_page()
    other.goto(f"/p/{link.token}")
    assert_fresh(other, record_id)
    assert not [url for url in history_urls(page) if record_id in url or "draft" in url]


def test_unfinished_answers_expire_on_the_phone(app, phone, live_server):
    link = make_link(app)
    page = phone.new_page()
    page.goto(f"/p/{link.token}?lang=en")
    assert "12 hours" in page.inner_text(".notice")
    old_id = started(page)
    page.fill("#f-biggest_difference", SECRET)
    saved_draft(page, old_id, "biggest_difference", SECRET)
    page.reload()
    recent_id = started(page)
    page.fill("#f-biggest_difference", "street lights")
    saved_draft(page, recent_id, "biggest_difference", "street lights")
    page.evaluate(AGE_JS, [old_id, 12.1])
    page.evaluate(AGE_JS, [recent_id, 11.9])

    page.reload()
    started(page)
    wait_until(lambda: store_call(page, "get", old_id) is None, message="the expired draft deleted")
    assert store_call(page, "get", recent_id)["data"]["biggest_difference"] == "street lights"


def test_the_expiry_follows_the_setting(app, client):
    app.config["PUBLIC_DRAFT_HOURS"] = 3
    link = make_link(app)
    page = client.get(f"/p/{link.token}?lang=en").text
    assert 'data-draft-hours="3"' in page
    assert "after 3 hours" in page
    app.config["PUBLIC_DRAFT_HOURS"] = 1
    assert "after 1 hour." in client.get(f"/p/{link.token}?lang=en").text
    app.config["PUBLIC_DRAFT_HOURS"] = 0  # never "kept for ever": the shortest expiry instead
    assert 'data-draft-hours="1"' in client.get(f"/p/{link.token}?lang=en").text


def open_link_offline(phone, link, lang="en"):
    page = phone.new_page()
    path = f"/p/{link.token}?lang={lang}"
    page.goto(path)
    wait_for_worker(page)
    wait_until(lambda: page.evaluate(CACHED_JS, path), message="the link's page in the cache")
    phone.set_offline(True)
    assert page.reload().from_service_worker
    return page


def fill_feedback(page, words: str = "street lights") -> None:
    page.check("#f-age_band-age_15_17")
    page.check("#f-gender-woman")
    page.check("#f-member_group-youth_group")
    page.check("#f-biggest_concerns-jobs")
    page.check("#f-feel_safe-2")
    page.check("#f-trust_city_act-1")
    page.fill("#f-biggest_difference", words)


def test_delete_my_answers_removes_waiting_and_unfinished_ones_after_asking(app, phone, live_server, db):
    link = make_link(app)
    page = open_link_offline(phone, link)
    started(page)
    fill_feedback(page, SECRET)
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    page.click("#finalised [data-another]")
    draft_id = started(page)
    page.fill("#f-biggest_difference", "half an answer")
    saved_draft(page, draft_id, "biggest_difference", "half an answer")
    assert sorted(r["state"] for r in page.evaluate(ALL_RECORDS_JS)) == ["draft", "outbox"]

    forget = page.locator("[data-forget]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    forget.click()
    assert sorted(r["state"] for r in page.evaluate(ALL_RECORDS_JS)) == ["draft", "outbox"]
    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    forget.click()
    page.wait_for_selector("[data-forgotten]")  # the page started over, and says why
    assert messages and "cannot be undone" in messages[0]
    assert_fresh(page, draft_id)
    assert page.evaluate(ALL_RECORDS_JS) == []
    phone.set_offline(False)
    assert page.locator("#link-phone").is_hidden()
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_the_respondent_is_told_when_the_answer_arrived(app, phone, live_server, db):
    link = make_link(app)
    page = open_link_offline(phone, link, lang="fr")
    started(page)
    fill_feedback(page)
    page.click("[data-finalise]")
    confirmation = page.locator("#finalised")
    confirmation.wait_for()
    with app.test_request_context():
        waiting, received = text("answer_waiting", "fr"), text("answer_received", "fr")
        english = text("answer_received", "en")
    assert english == "Your answer has been received. Thank you."
    assert waiting in confirmation.inner_text() and received not in confirmation.inner_text()
    assert not STAFF_WORDS.findall(page.inner_text("body"))

    phone.set_offline(False)  # the page sends it on the online event
    page.wait_for_function(
        "text => document.querySelector('#finalised').innerText.includes(text)", arg=received
    )
    assert waiting not in confirmation.inner_text()
    assert db.execute("SELECT count(*) FROM submissions WHERE link_id = ?", [link.id]).fetchone()[0] == 1


def test_public_texts_and_pages_use_no_staff_words(app, client):
    with app.test_request_context():
        for key in TEXTS:
            for language in ("en", "fr", "ar", "sw"):
                assert not STAFF_WORDS.findall(text(key, language)), key
            assert not STAFF_WORDS.findall(unfinished_notice(12, language))
    link = make_link(app)
    page = client.get(f"/p/{link.token}?lang=en").text
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page, flags=re.S))
    assert not STAFF_WORDS.findall(visible)
