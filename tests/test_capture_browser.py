"""Capture questions in a real browser (Debian's Chromium, phone-sized): a flip-chart photo
and a location recorded offline, kept on the phone across closing it, and sent once the
connection is back: files first, then the record, each exactly once."""

from __future__ import annotations

import hashlib
import json
import socket

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


class CutOnce:
    """WSGI middleware: counts the bytes of every chunk that reaches the server, and once,
    after the server has stored a chunk ending past ``threshold``, cuts the connection
    before the answer (the phone never hears that its chunk arrived)."""

    def __init__(self, app, threshold: int):
        self.inner, self.threshold = app.wsgi_app, threshold
        self.sent: list[int] = []
        self.done = False
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "PATCH":
            return self.inner(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.sent.append(length)
        end = int(environ.get("HTTP_UPLOAD_OFFSET") or 0) + length
        if self.done or end <= self.threshold:
            return self.inner(environ, start_response)
        self.done = True
        body = b"".join(self.inner(environ, lambda *args, **kwargs: None))  # stored, answer dropped
        del body
        connection = environ["werkzeug.socket"]
        connection.shutdown(socket.SHUT_RDWR)
        start_response("204 No Content", [])  # never reaches the phone: the socket is shut
        return []


FIELD_KIT = {
    "id": "field_kit",
    "version": "1",
    "title": {"en": "Field kit"},
    "questions": [
        {"name": "photo", "type": "image", "label": {"en": "Photo"}},
        {"name": "signed", "type": "image", "appearance": "signature", "label": {"en": "Signature"}},
        {"name": "voice", "type": "audio", "label": {"en": "Voice note"}},
        {"name": "walk", "type": "geotrace", "label": {"en": "Route walked"}},
        {"name": "code", "type": "barcode", "label": {"en": "Code on the poster"}},
    ],
}

# A JPEG made by the browser, with an EXIF block holding a (fake) location spliced in
# after its start marker, as a phone camera writes one.
JPEG_WITH_EXIF = """
async () => {
  const canvas = document.createElement('canvas');
  canvas.width = 80; canvas.height = 60;
  const c = canvas.getContext('2d');
  c.fillStyle = '#c33'; c.fillRect(0, 0, 80, 60);
  const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.9));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const payload = new TextEncoder().encode('Exif\\0\\0GPS-LAT-4.0435-LON-39.6682');
  const app1 = new Uint8Array(4 + payload.length);
  app1.set([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255]);
  app1.set(payload, 4);
  const out = new Uint8Array(bytes.length + app1.length);
  out.set(bytes.slice(0, 2)); out.set(app1, 2); out.set(bytes.slice(2), 2 + app1.length);
  return Array.from(out);
}
"""


def test_an_anonymous_link_sends_clean_photos_and_resumes_a_cut_upload(
    app, browser, live_server, db, tmp_path
):
    from support_links import make_link

    from survey_app.db import connect
    from survey_app.surveys.registry import publish

    connection = connect(app.config["DATABASE"])
    publish(connection, FIELD_KIT, source="test")
    connection.close()
    link = make_link(app, survey="field_kit")
    # No service worker here: Playwright's routing (the cut below) cannot see through one.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, service_workers="block"
    )
    page = phone.new_page()
    page.goto(f"/p/{link.token}")
    page.wait_for_selector("[data-key=signed] canvas.signature-pad")

    photo = tmp_path / "camera.jpg"
    photo.write_bytes(bytes(page.evaluate(JPEG_WITH_EXIF)))
    assert b"GPS-LAT" in photo.read_bytes()
    page.set_input_files("input[name=photo__file]", str(photo))
    page.wait_for_selector("[data-key=photo] .capture-preview img")

    page.wait_for_function("() => document.querySelector('[data-key=photo] .capture-preview img').complete")
    page.locator("[data-key=signed] canvas").scroll_into_view_if_needed()
    box = page.locator("[data-key=signed] canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 60, steps=5)
    page.mouse.move(box["x"] + 200, box["y"] + 30, steps=5)
    page.mouse.up()
    page.click("[data-key=signed] [data-keep-signature]")
    page.wait_for_selector("[data-key=signed] .capture-preview img")

    voice = tmp_path / "voice.ogg"
    voice.write_bytes(b"OggS\x00\x02" + bytes(range(256)) * 4000)  # about 1 MB: four chunks
    page.set_input_files("input[name=voice__file]", str(voice))
    page.wait_for_selector("[data-key=voice] .capture-preview audio")
    page.fill("textarea[name=walk]", "-4.0435 39.6682\n-4.0440 39.6690")
    page.fill("input[name=code]", "POSTER-17")

    # The connection is cut after the server took the last chunk of the recording, before
    # the phone heard back: the phone must resume, not start again.
    cutter = CutOnce(app, threshold=int(0.9 * len(voice.read_bytes())))
    record_id = page.input_value("input[name=_id]")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    row = wait_until(
        lambda: db.execute("SELECT data, submitted_by FROM submissions WHERE id = ?", [record_id]).fetchone(),
        timeout=40,
        message="the record on the server",
    )
    assert cutter.done
    data = json.loads(row[0])
    assert row[1] is None
    assert data["walk"] == [{"lat": -4.0435, "lon": 39.6682}, {"lat": -4.044, "lon": 39.669}]
    assert data["code"] == "POSTER-17"
    files = {
        r[0]: r
        for r in db.execute(
            "SELECT name, sha256, size, uploaded_by, link_id FROM attachments WHERE submission_id = ?",
            [record_id],
        )
    }
    assert set(files) == {data["photo"], data["signed"], data["voice"]}
    assert all(r[3] is None and r[4] == link.id for r in files.values())
    store = FileStore(files_root(app.config))
    clean = store.content_path(files[data["photo"]][1]).read_bytes()
    assert clean[:2] == b"\xff\xd8" and b"GPS-LAT" not in clean and b"Exif" not in clean
    assert store.content_path(files[data["voice"]][1]).read_bytes() == voice.read_bytes()  # byte-identical
    voice_size = len(voice.read_bytes())
    total = sum(cutter.sent)
    others = files[data["photo"]][2] + files[data["signed"]][2]
    assert total - others - voice_size <= 256 * 1024, f"re-sent {total - others - voice_size} bytes"
    assert db.execute("SELECT count(*) FROM uploads WHERE submission_id = ?", [record_id]).fetchone()[0] == 3


def test_a_photo_waiting_offline_is_counted_and_goes_into_the_backup_file(
    phone, live_server, client, auth, db, tmp_path
):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    phone.set_offline(True)
    page.goto("/forms/listening_session")
    fill_listening_session(page, 2)
    photo = tmp_path / "flip.png"
    photo.write_bytes(png(5, size=32))
    page.set_input_files("input[name=flipchart_photo__file]", str(photo))
    page.wait_for_selector("[data-key=flipchart_photo] .capture-preview img")
    record_id = page.input_value("input[name=_id]")
    page.click("[data-finalise]")
    page.wait_for_selector("#finalised")
    page.goto("/")
    page.wait_for_function("() => document.querySelector('#storage-state').dataset.files === '1'")
    assert "1 photo or recording" in page.inner_text("#storage-state")
    with page.expect_download() as download_info:
        page.click("#save-backup")
    path = tmp_path / "backup.json"
    download_info.value.save_as(path)
    backup = json.loads(path.read_text("utf-8"))
    [entry] = backup["files"]
    assert entry["record"] == record_id
    assert backup["submissions"][0]["data"]["flipchart_photo"] == entry["name"]

    auth.login("coordinator")
    headers = {"X-CSRFToken": auth.csrf(), "Content-Type": "application/json"}
    assert (
        client.post("/api/v1/submissions/import", data=path.read_bytes(), headers=headers).status_code == 200
    )
    query = "SELECT sha256 FROM attachments WHERE submission_id = ? AND name = ?"
    assert db.execute(query, [record_id, entry["name"]]).fetchone()[0] == entry["sha256"]
