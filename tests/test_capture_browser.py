"""Capture questions in a real browser (Debian's Chromium, phone-sized): a flip-chart photo
and a location recorded offline, kept on the phone across closing it, and sent once the
connection is back: files first, then the record, each exactly once."""

from __future__ import annotations

import hashlib

from conftest import browser_login
from support_attachments import png
from support_offline import fill_listening_session, store_call, wait_for_worker, wait_saved, wait_until

from survey_app.attachments.storage import FileStore, files_root

PHONE_BLOB_SHA = """
async ([id, name]) => {
  const m = await import('/static/js/offline.js');
  const store = await m.openStore();
  const entry = await self.SurveyUpload.getFile(store, id, name);
  return entry ? {sha: entry.sha256, size: entry.size, type: entry.type} : null;
}
"""


def test_a_photo_and_a_location_recorded_offline_reach_the_server_once(app, phone, live_server, db, tmp_path):
    phone.grant_permissions(["geolocation"])
    phone.set_geolocation({"latitude": -4.0435, "longitude": 39.6682, "accuracy": 8})
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    page.goto("/forms/listening_session")
    fill_listening_session(page, 1)
    photo = tmp_path / "flipchart.png"
    photo.write_bytes(png(3, size=64))
    page.set_input_files("input[name=flipchart_photo__file]", str(photo))
    page.wait_for_selector("[data-key=flipchart_photo] .capture-preview img")
    name = page.input_value("input[name=flipchart_photo]")
    assert name.endswith(".jpg") and len(name) == 20  # re-encoded: no EXIF, no location
    page.click("[data-key=location] [data-locate]")
    page.wait_for_function("() => document.querySelector('input[name=location__lat]').value !== ''")
    assert page.input_value("input[name=location__acc]") == "8"
    wait_saved(page)
    record_id = page.input_value("input[name=_id]")
    kept = page.evaluate(PHONE_BLOB_SHA, [record_id, name])
    assert kept and kept["type"] == "image/jpeg" and kept["sha"].startswith(name[:16])

    # The browser is closed and reopened with the draft; the photo is still there.
    page.close()
    page = phone.new_page()
    page.goto(f"/forms/listening_session?draft={record_id}")
    page.wait_for_selector("[data-key=flipchart_photo] .capture-preview img")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    outbox = store_call(page, "list", "outbox")
    assert outbox[0]["files"] == [name]
    assert outbox[0]["data"]["location"] == {"lat": -4.0435, "lon": 39.6682, "accuracy": 8}

    phone.set_offline(False)
    page.evaluate("async () => (await import('/static/js/offline.js')).requestSync()")
    wait_until(lambda: store_call(page, "counts")["outbox"] == 0, message="the outbox to empty")
    query = "SELECT name, sha256, size FROM attachments WHERE submission_id = ?"
    rows = db.execute(query, [record_id]).fetchall()
    assert rows == [(name, kept["sha"], kept["size"])]
    stored = FileStore(files_root(app.config)).content_path(kept["sha"]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == kept["sha"]
    assert db.execute("SELECT count(*) FROM uploads").fetchone()[0] == 1
    data = db.execute("SELECT data FROM submissions WHERE id = ?", [record_id]).fetchone()[0]
    assert name in data
    # Once sent, the phone lets go of the file too.
    gone = lambda: page.evaluate(PHONE_BLOB_SHA, [record_id, name]) is None  # noqa: E731
    wait_until(gone, message="the file to be dropped")
