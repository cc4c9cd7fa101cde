"""The offline client in a real browser: sync, faults in the middle of it, updates, backups.

Issue 3, point 7: (c) back online the server gets exactly the records of the outbox,
which then empties; (d) the server stops in the middle of a sync and comes back: every
record is on the server exactly once; (f) a new release while a form is open does not
lose the form. Plus the backup file a phone saves, imported by a coordinator.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from pathlib import Path

from conftest import browser_login
from support_offline import (
    counts,
    database_ids,
    fill_listening_session,
    store_call,
    wait_for_worker,
    wait_saved,
    wait_until,
)

VALID_DATA = {
    "session_date": "2026-11-20",
    "district": "likoni",
    "ward": "likoni_ward",
    "venue": "Community hall",
    "languages_used": ["english", "swahili"],
    "session_type": "youth_group",
    "consent": "yes",
    "women": 10,
    "men": 8,
    "undisclosed": 1,
    "youth": 12,
    "minority_present": "no",
    "concerns": ["jobs", "housing"],
    "trust_local_gov": 3,
    "trust_police": 2,
    "feel_safe": 4,
    "follow_up_needed": "no",
    "safeguarding_flag": "no",
}


def put_in_outbox(page, n: int) -> list[str]:
    """Put n finished records straight into the phone's outbox (as finalising does)."""
    records = []
    for i in range(n):
        record_id = str(uuid.uuid4())
        records.append(
            {
                "id": record_id,
                "survey": "listening_session",
                "version": "1",
                "title": "Community listening session",
                "data": {**VALID_DATA, "venue": f"Hall {i}"},
                "fields": [],
                "meta": {"started_at": "2026-11-20T09:00:00Z", "account": "facilitator"},
            }
        )
    page.evaluate(
        """async (records) => {
          const m = await import('/static/js/offline.js');
          const store = await m.openStore();
          for (const record of records) await store.finalise(record);
        }""",
        records,
    )
    return [record["id"] for record in records]


def outbox_empty(page) -> bool:
    return counts(page)["outbox"] == 0


def test_c_back_online_the_server_gets_each_record_once_and_the_outbox_empties(phone, live_server, db):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    ids = []
    for n in range(3):
        page.goto("/forms/listening_session")
        fill_listening_session(page, n)
        ids.append(page.input_value("input[name=_id]"))
        page.click("[data-finalise]")
        page.wait_for_selector("#finalised")
    page.goto("/")
    page.wait_for_function("() => document.querySelector('[data-count=outbox]').textContent === '3'")
    assert database_ids(db) == []

    # Coming online fires `online` (a sync), Background Sync may fire in the worker, and
    # the user presses "Sync now" too: single-flight keeps it to one sync at a time.
    phone.set_offline(False)
    page.click("#sync-now")
    wait_until(lambda: outbox_empty(page), message="the outbox to empty")
    page.wait_for_function("() => document.querySelector('[data-count=sent]').textContent === '3'")

    assert sorted(database_ids(db)) == sorted(ids)
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 0
    rows = {row["id"]: row for row in db.query("SELECT id, data, meta, source FROM submissions")}
    for n, record_id in enumerate(ids):
        data = json.loads(rows[record_id]["data"])
        assert data["venue"] == f"Community hall {n}"
        assert data["women"] == 10 + n
        meta = json.loads(rows[record_id]["meta"])
        assert meta["finalized_at"] and meta["started_at"] and meta["device_id"]
        assert rows[record_id]["source"] == "web"
    # Whichever trigger sent them, the home screen ends up saying so.
    page.wait_for_function(
        "() => { const t = document.querySelector('#sync-summary').textContent;"
        " return t.includes('Nothing waits to be sent') && !t.includes('sync: never'); }"
    )


class DropAfterStoring:
    """Middleware: on the nth sync batch, store it, stop the server and drop the
    connection before the answer leaves, the worst moment for the phone."""

    def __init__(self, app, live_server, nth: int):
        self.inner = app.wsgi_app
        self.live_server = live_server
        self.nth = nth
        self.batches = 0
        self.dropped = threading.Event()
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        is_batch = environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/api/v1/submissions"
        if is_batch:
            self.batches += 1
        if not (is_batch and self.batches == self.nth):
            return self.inner(environ, start_response)
        b"".join(self.inner(environ, lambda *args, **kwargs: None))  # committed: stored durably
        self.live_server.stop()
        environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
        self.dropped.set()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b""]


def test_d_server_stopped_in_the_middle_of_a_sync_keeps_each_record_once(app, phone, live_server, db):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    ids = put_in_outbox(page, 60)  # three batches of at most 25
    fault = DropAfterStoring(app, live_server, nth=2)

    page.click("#sync-now")
    assert fault.dropped.wait(20), "the second batch never arrived"
    stored_before_restart = len(database_ids(db))
    assert stored_before_restart == 50  # the second batch is stored, but its answer was lost
    assert counts(page)["outbox"] == 35  # ...so the phone still holds it, and the third
    live_server.start()  # the same port; the phone's back-off timer retries by itself

    wait_until(lambda: outbox_empty(page), timeout=30, message="the retries to empty the outbox")
    assert fault.batches >= 4
    assert sorted(database_ids(db)) == sorted(ids)
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 60
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 0
    sent = store_call(page, "list", "sent")
    assert {record["status"] for record in sent} == {"stored", "duplicate"}


def test_f_a_new_release_while_a_form_is_open_keeps_the_form(app, phone, live_server):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    old_caches = set(page.evaluate("caches.keys()"))
    page.goto("/forms/listening_session")
    record_id = page.input_value("input[name=_id]")
    page.fill("input[name=venue]", "Typed before the update")
    page.check("input[name=consent][value=yes]")
    page.fill("input[name=women]", "21")
    page.check("input[name=district][value=mvita]")
    wait_saved(page)

    app.config["OFFLINE_RELEASE"] = "test-release-2"
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    banner = page.locator("#update-ready")
    banner.wait_for()
    assert "Your answers are saved" in banner.inner_text()
    # Offered, not forced: the new worker waits while the form is open.
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !!r.waiting)")
    assert page.input_value("input[name=venue]") == "Typed before the update"
    page.fill("input[name=men]", "9")  # the user keeps working

    with page.expect_navigation():
        page.click("[data-apply-update]")
    page.wait_for_function("id => document.querySelector('input[name=_id]').value === id", arg=record_id)
    wait_saved(page)
    assert page.input_value("input[name=venue]") == "Typed before the update"
    assert page.input_value("input[name=women]") == "21"
    assert page.input_value("input[name=men]") == "9"
    assert page.is_checked("input[name=district][value=mvita]")
    new_caches = set(page.evaluate("caches.keys()"))
    assert new_caches == {"sa-shell-test-release-2", "sa-pages-test-release-2"}
    assert not new_caches & old_caches

    # With no form open, the home page applies the next release by itself.
    page.goto("/")
    page.wait_for_selector("#device-records [data-js]:not([hidden])")
    app.config["OFFLINE_RELEASE"] = "test-release-3"
    with page.expect_navigation():
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    wait_until(
        lambda: "sa-shell-test-release-3" in page.evaluate("caches.keys()"),
        message="release 3 to take over",
    )
    assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => !r.waiting)")


def test_backup_file_imports_once(phone, live_server, client, auth, db, tmp_path: Path):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    ids = put_in_outbox(page, 4)
    page.goto("/forms/community_feedback")
    page.check("input[name=age_band] >> nth=0")
    wait_saved(page)
    page.goto("/")
    page.wait_for_function("() => document.querySelector('[data-count=outbox]').textContent === '4'")
    with page.expect_download() as download_info:
        page.click("#save-backup")
    path = tmp_path / "backup.json"
    download_info.value.save_as(path)
    backup = json.loads(path.read_text("utf-8"))
    assert backup["account"] == "facilitator"
    assert sorted(item["id"] for item in backup["submissions"]) == sorted(ids)
    assert set(backup["submissions"][0]) == {"id", "survey", "version", "data", "meta"}
    assert len(backup["drafts"]) == 1

    auth.login("coordinator")
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    first = client.post("/api/v1/submissions/import", data=path.read_bytes(), headers=headers)
    assert first.status_code == 200, first.json
    counts = {"stored": 4, "duplicate": 0, "conflict": 0, "quarantined": 0, "refused": 0}
    assert first.json["counts"] == counts
    assert first.json["drafts_ignored"] == 1
    again = client.post("/api/v1/submissions/import", data=path.read_bytes(), headers=headers)
    assert again.json["counts"]["duplicate"] == 4
    assert sorted(database_ids(db)) == sorted(ids)

    # The phone, back online, sends the same records: the server already has them.
    phone.set_offline(False)
    page.click("#sync-now")
    wait_until(lambda: outbox_empty(page), message="the outbox to empty")
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 4
    assert {r["status"] for r in store_call(page, "list", "sent")} == {"duplicate"}
