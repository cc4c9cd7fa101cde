"""Files posted the ordinary way (no JavaScript): the public form and the facilitator's form.

Both store the bytes through the attachments' content-addressed folder with the same
limits (a file over one is a clear 413 with the form shown again, nothing stored); an
anonymous photo keeps no EXIF, location or text metadata, and the upload keeps no
account, address or user agent.
"""

from __future__ import annotations

import io
import json
import struct
import uuid

from conftest import csrf_from, make_app
from support_attachments import png, sha
from support_coordinators import session
from support_links import make_link
from test_public_privacy import CLIENT, TRACES, every_value

from survey_app.attachments.scrub import strip_metadata
from survey_app.attachments.storage import FileStore, files_root
from survey_app.db import connect
from survey_app.surveys.registry import publish


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


# The image itself: tables, frame, scan and its entropy-coded data (kept byte for byte).
IMAGE = (
    segment(0xDB, b"\x00" + bytes(range(64)))
    + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x12\x34\x56\xff\x00\x78"
    + b"\xff\xd9"
)
EXIF = b"Exif\x00\x00MM\x00\x2a GPSLatitude -4.0435 GPSLongitude 39.6682 Model CanaryCam"


def jpeg_with_exif() -> bytes:
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xE1, EXIF)
        + segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Kongowea</x:xmpmeta>")
        + segment(0xFE, b"taken at Kongowea market")
        + IMAGE
    )


def png_with_text() -> bytes:
    plain = png(5)
    body = b"tEXtLocation\x00Kongowea market"
    chunk = struct.pack(">I", len(body) - 4) + body + b"\x00\x00\x00\x00"
    return plain[:33] + chunk + plain[33:]  # after the signature and IHDR


PUBLIC_PHOTO = {
    "id": "public_photo",
    "version": "1",
    "title": {"en": "What we saw"},
    "questions": [
        {"name": "venue", "type": "text", "required": True, "label": {"en": "Where"}},
        {"name": "flipchart_photo", "type": "image", "label": {"en": "Photo"}},
    ],
}


def photo_link(app):
    """A public link to a survey with a photo question (the built-in public one has none)."""
    db = connect(app.config["DATABASE"])
    try:
        publish(db, PUBLIC_PHOTO, source="test")
    finally:
        db.close()
    return make_link(app, "public_photo")


def fields_for(html: str | None = None, public: bool = False, **files) -> dict:
    answers = {k: (v if isinstance(v, list) else str(v)) for k, v in session(2).items()}
    if public:
        answers = {"venue": "Hall 2"}
    fields = {"_version": "1", "_id": str(uuid.uuid4()), **answers}
    if html is not None:
        fields["csrf_token"] = csrf_from(html)
    for name, (data, filename, mime) in files.items():
        fields[f"{name}__file"] = (io.BytesIO(data), filename, mime)
    return fields


def stored(app, db, submission_id: str) -> tuple[dict, bytes]:
    data = json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [submission_id]).fetchone()[0])
    digest = db.execute("SELECT sha256 FROM attachments WHERE submission_id = ?", [submission_id]).fetchone()[
        0
    ]
    return data, FileStore(files_root(app.config)).content_path(digest).read_bytes()


def test_the_public_form_takes_a_photo_without_javascript_and_strips_its_metadata(app, client, db):
    link = photo_link(app)
    page = client.get(f"/p/{link.token}").text
    assert 'enctype="multipart/form-data"' in page and 'name="flipchart_photo__file"' in page
    original = jpeg_with_exif()
    fields = fields_for(public=True, flipchart_photo=(original, "IMG_0001.jpg", "image/jpeg"))
    response = client.post(f"/p/{link.token}", data=fields, content_type="multipart/form-data", **CLIENT)
    assert response.status_code == 302, response.text
    data, kept = stored(app, db, fields["_id"])
    assert kept.startswith(b"\xff\xd8") and kept.endswith(IMAGE)  # the picture, byte for byte
    for trace in (b"Exif", b"GPS", b"CanaryCam", b"xmpmeta", b"Kongowea"):
        assert trace not in kept
    assert data["flipchart_photo"] == f"{sha(kept)[:16]}.jpg"
    upload = db.execute("SELECT uploaded_by, link_id FROM uploads WHERE submission_id = ?", [fields["_id"]])
    assert upload.fetchone() == (None, link.id)
    assert [
        (table, column)
        for table, column, value in every_value(db)
        if value is not None and any(trace in str(value) for trace in TRACES)
    ] == []


def test_an_anonymous_png_loses_its_text_chunks(app, client, db):
    link = photo_link(app)
    fields = fields_for(public=True, flipchart_photo=(png_with_text(), "chart.png", "image/png"))
    assert client.post(f"/p/{link.token}", data=fields, content_type="multipart/form-data").status_code == 302
    _data, kept = stored(app, db, fields["_id"])
    assert kept == png(5)


def test_a_facilitators_photo_is_kept_as_sent(client, auth, app, db):
    """Only anonymous photos are changed: a facilitator's file is the evidence as taken."""
    auth.login("facilitator")
    original = jpeg_with_exif()
    fields = fields_for(
        client.get("/forms/listening_session").text, flipchart_photo=(original, "a.jpg", "image/jpeg")
    )
    assert (
        client.post("/forms/listening_session", data=fields, content_type="multipart/form-data").status_code
        == 302
    )
    assert stored(app, db, fields["_id"])[1] == original


def test_a_file_over_the_limit_is_a_clear_413_and_nothing_is_stored(tmp_path, template_database):
    app = make_app(tmp_path, template_database, ATTACHMENT_MAX_FILE_BYTES=100)
    link = photo_link(app)
    client = app.test_client()
    fields = fields_for(
        public=True, flipchart_photo=(jpeg_with_exif() + b"\x00" * 200, "big.jpg", "image/jpeg")
    )
    response = client.post(f"/p/{link.token}", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "This file is too large" in response.text and "the most is 100 bytes" in response.text
    assert 'value="Hall 2"' in response.text  # the other answers are kept on the page
    # The facilitator's form, in French: the same limit, in the page's language.
    from conftest import Auth

    Auth(client).login("facilitator")
    html = client.get("/forms/listening_session?lang=fr").text
    mine = fields_for(html, flipchart_photo=(b"\xff\xd8\xff" + b"\x00" * 300, "big.jpg", "image/jpeg"))
    mine["_lang"] = "fr"
    response = client.post("/forms/listening_session?lang=fr", data=mine, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Ce fichier est trop volumineux" in response.text
    db = connect(app.config["DATABASE"])
    try:
        assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    finally:
        db.close()


def test_a_body_over_the_request_limit_is_413_not_500(tmp_path, template_database):
    app = make_app(tmp_path, template_database, MAX_BODY_BYTES=2048)
    link = photo_link(app)
    fields = fields_for(
        public=True, flipchart_photo=(b"\xff\xd8\xff" + b"\x00" * 4096, "big.jpg", "image/jpeg")
    )
    response = app.test_client().post(f"/p/{link.token}", data=fields, content_type="multipart/form-data")
    assert response.status_code == 413


def test_metadata_stripping_leaves_what_it_cannot_parse_alone():
    broken = b"\xff\xd8\xff\xe1\xff\xff" + b"Exif"  # a segment that runs past the end
    assert strip_metadata(broken, "image/jpeg") == broken
    assert strip_metadata(b"ID3 audio", "audio/mpeg") == b"ID3 audio"
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x0C]) + b"\x00" * 9
    exif = b"EXIF" + struct.pack("<I", 5) + b"GPS!!" + b"\x00"
    image = b"VP8L" + struct.pack("<I", 4) + b"\x2f\x00\x00\x00"
    body = vp8x + exif + image
    webp = b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
    clean = strip_metadata(webp, "image/webp")
    assert b"GPS" not in clean and clean.endswith(image)
    assert clean[20] == 0 and struct.unpack("<I", clean[4:8])[0] == len(clean) - 8
