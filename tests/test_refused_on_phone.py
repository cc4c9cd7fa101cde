"""The phone's side of the per-item `refused` sync result (issue 9, item 2), and the
confirmations that say "sent" / "received" once the server acknowledged a record (item 9),
in Debian's Chromium.

`{"id": ..., "status": "refused", "reason": "<code>", "message": "<text>"}` means "the
server will never take this item; do not retry it; keep it". The server side is built on
another branch (trust-sync), so these tests put a small WSGI test double in front of the
real app's two sync endpoints: items whose answers hold MARK never reach the app and are
answered `refused`; every other item goes through to the real endpoint and its real
answer is passed back. Everything else (pages, worker, IndexedDB, the import) is real.
Once the real server refuses items, this double can go and the tests can use that.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from conftest import browser_login
from support_links import make_link
from support_offline import (
    database_ids,
    fill_listening_session,
    store_call,
    wait_for_worker,
)

SYNC_JS = "import('/static/js/offline.js').then((m) => m.requestSync({ includeProblems: true }))"
MARK = "REFUSE-THIS"
MESSAGE = "This record belongs to someone else; it was not stored."
SYNC_PATH = re.compile(r"^/api/v1/(submissions|links/[A-Za-z0-9_-]+/submissions)$")


class RefusingSync:
    """WSGI test double of the server side of `refused` (see the module docstring)."""

    def __init__(self, app):
        self.inner = app.wsgi_app
        self.sent: list[str] = []  # every record id a sync batch carried, in order
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not SYNC_PATH.match(environ["PATH_INFO"]):
            return self.inner(environ, start_response)
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        items = json.loads(raw)["submissions"]
        self.sent += [item["id"] for item in items]
        refused = [item for item in items if MARK in json.dumps(item["data"])]
        rest = [item for item in items if item not in refused]
        results = []
        if rest:
            body = json.dumps({"submissions": rest}).encode()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            answered = {}

            def keep(status, headers, exc_info=None):
                answered.update(status=status, headers=headers)

            chunks = b"".join(self.inner(environ, keep))
            if not answered["status"].startswith("200"):
                start_response(answered["status"], answered["headers"])
                return [chunks]
            results = json.loads(chunks)["results"]
        results += [
            {"id": item["id"], "status": "refused", "reason": "not_owner", "message": MESSAGE}
            for item in refused
        ]
        body = json.dumps({"ok": True, "results": results}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def finalise(page) -> str:
    record_id = page.input_value("input[name=_id]")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    return record_id


def confirmation_state(page, state: str) -> None:
    page.wait_for_selector(f"#finalised[data-state={state}]")


def test_a_refused_record_stays_on_the_phone_marked_and_is_not_sent_again(
    app, phone, live_server, client, auth, db, tmp_path: Path
):
    double = RefusingSync(app)
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)

    page.goto("/forms/listening_session")
    fill_listening_session(page, 1)
    page.fill("input[name=venue]", f"Hall {MARK}")
    refused_id = finalise(page)
    confirmation_state(page, "refused")
    text = page.inner_text("#finalised")
    assert "Refused by the server" in text and MESSAGE in text and refused_id[:8] in text
    assert "will be sent" not in text

    page.goto("/forms/listening_session")
    fill_listening_session(page, 2)
    sent_id = finalise(page)
    confirmation_state(page, "sent")
    assert "The server has received the record" in page.inner_text("#finalised")

    stored = store_call(page, "get", refused_id)
    assert stored["state"] == "outbox" and stored["data"]["venue"] == f"Hall {MARK}"
    assert stored["refused"]["reason"] == "not_owner" and stored["refused"]["message"] == MESSAGE
    assert database_ids(db) == [sent_id]

    # Home: shown as refused by the server, with the message; not counted as waiting.
    page.goto("/")
    refused_line = page.locator(f"[data-refused='{refused_id}']")
    refused_line.wait_for()
    assert refused_line.inner_text() == f"Refused by the server: {MESSAGE}"
    summary = page.inner_text("#sync-summary")
    assert "Nothing waits to be sent." in summary and "1 record was refused by the server" in summary

    # "Sync now" (which retries records with other problems) never sends it again.
    assert double.sent.count(refused_id) == 1
    page.click("#sync-now")
    page.wait_for_function("() => !document.getElementById('sync-now').disabled")
    page.reload()
    page.locator(f"[data-refused='{refused_id}']").wait_for()
    assert double.sent.count(refused_id) == 1
    assert store_call(page, "get", refused_id)["state"] == "outbox"

    # The backup file keeps it (with the server's words), and a coordinator can import it.
    with page.expect_download() as download:
        page.click("#save-backup")
    path = tmp_path / "backup.json"
    download.value.save_as(path)
    backup = json.loads(path.read_text("utf-8"))
    assert [item["id"] for item in backup["submissions"]] == [refused_id]
    assert backup["submissions"][0]["data"]["venue"] == f"Hall {MARK}"
    assert backup["refused"][refused_id]["message"] == MESSAGE
    auth.login("coordinator")
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    imported = client.post("/api/v1/submissions/import", data=path.read_bytes(), headers=headers)
    assert imported.status_code == 200, imported.json
    assert imported.json["counts"]["stored"] == 1
    assert sorted(database_ids(db)) == sorted([sent_id, refused_id])


def test_a_facilitators_confirmation_says_sent_once_acknowledged(app, phone, live_server, db):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    page.goto("/forms/listening_session")
    fill_listening_session(page, 3)
    record_id = finalise(page)
    confirmation_state(page, "waiting")
    text = page.inner_text("#finalised")
    assert "will be sent as soon as there is a connection" in text and "Sent" not in text

    phone.set_offline(False)  # the page syncs on the online event
    confirmation_state(page, "sent")
    text = page.inner_text("#finalised")
    assert (
        text.startswith("Sent") and f"The server has received the record (reference {record_id[:8]})" in text
    )
    assert "will be sent" not in text
    assert database_ids(db) == [record_id]


def test_a_public_answer_refused_by_the_server_is_kept_and_shown(app, phone, live_server, db, tmp_path):
    double = RefusingSync(app)
    link = make_link(app)
    page = phone.new_page()
    page.goto(f"/p/{link.token}?lang=en")
    page.wait_for_selector(".save-state")
    page.check("#f-age_band-age_15_17")
    page.check("#f-gender-woman")
    page.check("#f-member_group-youth_group")
    page.check("#f-biggest_concerns-jobs")
    page.check("#f-feel_safe-2")
    page.check("#f-trust_city_act-1")
    page.fill("#f-biggest_difference", MARK)
    record_id = finalise(page)
    confirmation_state(page, "refused")
    text = page.inner_text("#finalised")
    assert "Refused by the server, kept on this phone:" in text and MESSAGE in text
    assert "has been received" not in text

    panel = page.locator("#link-phone")
    panel.wait_for(state="visible")
    assert (
        f"Refused by the server, kept on this phone: {MESSAGE}"
        in panel.locator("[data-problems]").inner_text()
    )
    assert panel.locator("[data-waiting]").inner_text() == "0"  # kept and listed, not waiting
    panel.locator("[data-send-now]").click()  # retries records with other problems
    page.evaluate(SYNC_JS)  # the same sync the button runs (or the one it started), to its end
    page.reload()
    page.locator("#link-phone").wait_for(state="visible")
    assert double.sent.count(record_id) == 1
    with page.expect_download() as download:
        page.locator("[data-backup]").click()
    backup = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert [item["id"] for item in backup["submissions"]] == [record_id]
    assert backup["drafts"] == []  # a shared phone's backup file never carries unfinished answers
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
