"""Attachments on the server: tus uploads that resume, verify and never duplicate; limits;
who may upload; coordinators' downloads, the record page, exports and the media zip."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from click.testing import CliRunner
from support_attachments import TUS, create, patch, png, sha, upload
from support_coordinators import item, session
from support_links import make_link
from support_links import record as link_record

from survey_app.attachments.storage import FileStore, files_root
from survey_app.cli import main


@pytest.fixture
def bearer(token_for):
    return {"Authorization": f"Bearer {token_for('facilitator')}"}


def photo_record(name: str) -> dict:
    return item(session(flipchart_photo=name))


def sync(client, headers, items, url="/api/v1/submissions"):
    response = client.post(url, json={"submissions": items}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json["results"]


def test_a_chunked_upload_is_verified_stored_once_and_completes_its_record(app, client, bearer, db):
    data = png(1) * 40  # a few kB: several chunks
    record = photo_record("flipchart.png")
    last = upload(client, bearer, record["id"], "flipchart.png", data, chunk_size=1000)
    assert last.headers["Upload-Offset"] == str(len(data))
    assert last.headers["Tus-Resumable"] == "1.0.0"
    stored = FileStore(files_root(app.config)).content_path(sha(data))
    assert stored.read_bytes() == data
    assert not list((stored.parents[2] / "partial").glob("*[!k]"))  # no partial bytes left
    rows = db.execute(
        "SELECT a.name, a.sha256, a.size, u.username, a.link_id FROM attachments a"
        " JOIN users u ON u.id = a.uploaded_by"
    ).fetchall()
    assert rows == [("flipchart.png", sha(data), len(data), "facilitator", None)]
    assert db.execute("SELECT media_type FROM files").fetchone()[0] == "image/png"
    result = sync(client, bearer, [record])[0]
    assert result["status"] == "stored" and "missing_files" not in result


def test_a_record_whose_files_are_not_all_here_is_stored_and_says_which(client, bearer, db):
    record = photo_record("never-sent.jpg")
    result = sync(client, bearer, [record])[0]
    assert result["status"] == "stored"
    assert result["missing_files"] == ["never-sent.jpg"]
    assert db.execute("SELECT count(*) FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0] == 1


def test_creation_is_idempotent_and_a_cut_resumes_at_the_last_acknowledged_chunk(client, bearer, db):
    data = bytes(range(256)) * 20  # 5120 bytes
    submission = str(uuid.uuid4())
    first = create(client, bearer, submission, "voice.webm", data)
    assert first.status_code == 201
    location = first.headers["Location"]
    for offset in (0, 1024, 2048, 3072):
        assert patch(client, bearer, location, offset, data[offset : offset + 1024]).status_code == 204
    # The connection is cut during the fifth chunk; the phone lost everything but the ids.
    again = create(client, bearer, submission, "voice.webm", data)
    assert again.status_code == 200 and again.headers["Location"] == location
    assert again.headers["Upload-Offset"] == "4096"
    head = client.head(location, headers={**bearer, **TUS})
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "4096"
    assert head.headers["Cache-Control"] == "no-store"
    stale = patch(client, bearer, location, 0, data[:1024])  # a stale offset is refused, not appended
    assert stale.status_code == 409 and stale.headers["Upload-Offset"] == "4096"
    assert patch(client, bearer, location, 4096, data[4096:]).status_code == 204
    replay = patch(client, bearer, location, 4096, data[4096:])  # the lost answer, asked again
    assert replay.status_code == 204 and replay.headers["Upload-Offset"] == str(len(data))
    assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM uploads").fetchone()[0] == 1


def test_bytes_that_do_not_match_their_hash_are_not_acknowledged(app, client, bearer, db):
    data = png(2)
    submission = str(uuid.uuid4())
    created = create(client, bearer, submission, "a.png", data, digest=sha(b"something else"))
    response = patch(client, bearer, created.headers["Location"], 0, data)
    assert response.status_code == 422 and response.json["errors"] == {"sha256": ["mismatch"]}
    assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    head = client.head(created.headers["Location"], headers={**bearer, **TUS})
    assert head.headers["Upload-Offset"] == "0"  # it starts again from nothing
    assert not FileStore(files_root(app.config)).has(sha(data))


def test_a_chunk_with_a_wrong_checksum_is_460_and_not_stored(client, bearer):
    data = png(3)
    created = create(client, bearer, str(uuid.uuid4()), "a.png", data)
    bad = patch(client, bearer, created.headers["Location"], 0, data, **{"Upload-Checksum": "sha1 AAAA"})
    assert bad.status_code == 460
    head = client.head(created.headers["Location"], headers={**bearer, **TUS})
    assert head.headers["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    ("setting", "size", "key"),
    [
        ("ATTACHMENT_MAX_FILE_BYTES", 1000, "file"),
        ("ATTACHMENT_MAX_RECORD_BYTES", 1500, "record"),
        ("ATTACHMENT_MAX_SURVEY_BYTES", 1500, "survey"),
    ],
)
def test_limits_are_settings_and_answer_413(app, client, bearer, setting, size, key):
    app.config[setting] = size
    submission = str(uuid.uuid4())
    if key != "file":  # a first file fits; the second goes over the record's or survey's total
        first = bytes(1000)
        other = submission if key == "record" else str(uuid.uuid4())
        upload(client, bearer, other, "first.bin", first)
    response = create(client, bearer, submission, "big.bin", bytes(range(256)) * 4 + b"x")
    assert response.status_code == 413, response.text
    assert key in response.json["errors"]


def test_bad_metadata_is_a_clear_400(client, bearer):
    data = b"abc"
    for bad in (
        {"name": "../etc/passwd"},
        {"submission": "not-a-uuid"},
        {"digest": "xyz"},
        {"survey": "nope"},
    ):
        extra = dict(bad)
        submission = extra.pop("submission", str(uuid.uuid4()))
        name = extra.pop("name", "ok.bin")
        response = create(client, bearer, submission, name, data, **extra)
        assert response.status_code == 400, (bad, response.text)
        assert response.json["ok"] is False
    missing = client.post("/api/v1/files", headers={**bearer, **TUS})
    assert missing.status_code == 400


def test_a_file_name_is_never_rebound_to_other_bytes(client, bearer):
    submission = str(uuid.uuid4())
    upload(client, bearer, submission, "photo.png", png(4))
    response = create(client, bearer, submission, "photo.png", png(5))
    assert response.status_code == 409


def test_browsers_need_csrf_and_anonymous_callers_are_401(client, auth):
    data = png(6)
    assert create(client, {}, str(uuid.uuid4()), "a.png", data).status_code == 401
    auth.login("facilitator")
    assert create(client, {}, str(uuid.uuid4()), "a.png", data).status_code == 400  # no CSRF token
    created = create(client, {"X-CSRFToken": auth.csrf()}, str(uuid.uuid4()), "a.png", data)
    assert created.status_code == 201
    assert patch(client, {}, created.headers["Location"], 0, data).status_code == 400  # no CSRF token
    assert (
        patch(client, {"X-CSRFToken": auth.csrf()}, created.headers["Location"], 0, data).status_code == 204
    )


def test_nobody_else_may_touch_an_upload_or_add_files_to_another_accounts_record(client, bearer, token_for):
    other = {"Authorization": f"Bearer {token_for('coordinator')}"}
    record = photo_record("p.png")
    sync(client, bearer, [record])
    refused = create(client, other, record["id"], "p.png", png(7))
    assert refused.status_code == 403
    assert "facilitator" not in refused.text  # the refusal reveals nothing about the record
    created = create(client, bearer, str(uuid.uuid4()), "q.png", png(8))
    location = created.headers["Location"]
    assert client.head(location, headers={**other, **TUS}).status_code == 404
    assert patch(client, other, location, 0, png(8)).status_code == 404


def test_a_public_link_uploads_its_own_records_files_anonymously(app, client, db):
    link = make_link(app)
    token, other_token = link.token, make_link(app, label="Another group").token
    record = link_record()
    record["data"]["biggest_difference"] = "Lights"
    url = f"/api/v1/links/{token}/files"
    data = png(9)
    created = create(client, {}, record["id"], "p.png", data, survey="community_feedback", url=url)
    assert created.status_code == 201, created.text
    assert created.headers["Location"].startswith(f"/api/v1/links/{token}/files/")
    assert patch(client, {}, created.headers["Location"], 0, data).status_code == 204
    row = db.execute("SELECT uploaded_by, link_id FROM attachments").fetchone()
    assert row == (None, link.id)
    # Another link may not add files to this link's record, nor touch its upload.
    sync(client, {}, [record], url=f"/api/v1/links/{token}/submissions")
    other_url = f"/api/v1/links/{other_token}/files"
    assert (
        create(
            client, {}, record["id"], "x.png", png(10), survey="community_feedback", url=other_url
        ).status_code
        == 403
    )
    stolen = created.headers["Location"].replace(token, other_token)
    assert client.head(stolen, headers=TUS).status_code == 404
    # A link takes files for its own survey only.
    wrong = create(client, {}, str(uuid.uuid4()), "y.png", png(11), url=url)
    assert wrong.status_code == 403
    assert (
        create(client, {}, str(uuid.uuid4()), "y.png", png(11), url="/api/v1/links/nope/files").status_code
        == 404
    )


def _synced_with_files(client, bearer, files: dict[str, bytes]) -> dict:
    record = photo_record(next(iter(files)))
    for name, data in files.items():
        upload(client, bearer, record["id"], name, data)
    sync(client, bearer, [record])
    return record


def test_coordinators_download_files_safely_and_facilitators_may_not(client, auth, bearer):
    data = png(12)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    record = _synced_with_files(client, bearer, {"p.png": data, "evil.svg": svg})
    auth.login("facilitator")
    assert client.get(f"/coordinate/submissions/{record['id']}/files/p.png").status_code == 403
    auth.login("coordinator")
    response = client.get(f"/coordinate/submissions/{record['id']}/files/p.png")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    evil = client.get(f"/coordinate/submissions/{record['id']}/files/evil.svg")
    assert evil.headers["Content-Type"] == "application/octet-stream"
    assert evil.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/coordinate/submissions/{record['id']}/files/none.png").status_code == 404
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    assert f'<img src="/coordinate/submissions/{record["id"]}/files/p.png"' in page
    assert "<img" not in page.split("evil.svg")[0].rsplit("<li", 1)[-1]  # the SVG is a download only


def test_the_record_page_has_an_audio_player_for_a_recording(client, auth, bearer):
    ogg = b"OggS\x00\x02" + bytes(200)
    record = _synced_with_files(client, bearer, {"voice.ogg": ogg})
    auth.login("coordinator")
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    assert (
        f'<audio controls preload="none" src="/coordinate/submissions/{record["id"]}/files/voice.ogg"' in page
    )


def test_exports_name_each_file_by_its_path_in_the_media_zip(client, auth, bearer):
    data = png(13)
    record = _synced_with_files(client, bearer, {"flip.png": data})
    plain = sync(client, bearer, [item(session(1))])[0]
    auth.login("coordinator")
    text = client.get("/api/v1/surveys/listening_session/submissions.csv").text
    rows = {line.split(",")[0]: line for line in text.splitlines()[1:]}
    assert f"media/{record['id']}/flip.png" in rows[record["id"]]
    assert "media/" not in rows[plain["id"]]
    response = client.get("/api/v1/surveys/listening_session/media.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"media/{record['id']}/flip.png"]
    assert archive.read(f"media/{record['id']}/flip.png") == data
    filtered = client.get("/api/v1/surveys/listening_session/media.zip?district=kisauni")
    assert zipfile.ZipFile(io.BytesIO(filtered.data)).namelist() == []
    audit = client.get("/api/v1/surveys/listening_session/media.zip?bogus=1")
    assert audit.status_code == 400


def test_cli_export_media_writes_the_same_zip_and_audits_it(app, client, bearer, tmp_path, db):
    data = png(14)
    record = _synced_with_files(client, bearer, {"flip.png": data})
    out = tmp_path / "media.zip"
    env = {"SURVEY_APP_DATABASE": app.config["DATABASE"]}
    command = ["export", "listening_session", "--format", "media", "-o", str(out)]
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).read(f"media/{record['id']}/flip.png") == data
    entry = db.execute("SELECT details FROM audit_log WHERE action = 'export' ORDER BY id DESC").fetchone()
    assert json.loads(entry[0])["format"] == "media"


def test_the_form_without_javascript_takes_a_photo_the_ordinary_way(app, client, auth, db):
    from conftest import csrf_from

    auth.login("facilitator")
    html = client.get("/forms/listening_session").text
    assert 'enctype="multipart/form-data"' in html
    assert 'name="flipchart_photo__file"' in html and 'accept="image/*"' in html
    answers = {k: (v if isinstance(v, list) else str(v)) for k, v in session(2).items()}
    submission = str(uuid.uuid4())
    data = png(21)
    fields = {"csrf_token": csrf_from(html), "_version": "1", "_id": submission, **answers}
    fields["flipchart_photo__file"] = (io.BytesIO(data), "flip.png", "image/png")
    response = client.post("/forms/listening_session", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    stored = json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [submission]).fetchone()[0])
    name = stored["flipchart_photo"]
    assert name == f"{sha(data)[:16]}.png"
    row = db.execute("SELECT sha256, size FROM attachments WHERE submission_id = ?", [submission]).fetchone()
    assert row == (sha(data), len(data))
    assert FileStore(files_root(app.config)).content_path(sha(data)).read_bytes() == data


def test_a_backup_files_photos_are_imported_with_their_records_once(app, client, auth, db):
    import base64

    data = png(22)
    record = photo_record("p1.png")
    entry = {"record": record["id"], "name": "p1.png", "sha256": sha(data), "type": "image/png"}
    backup = {"submissions": [record], "files": [{**entry, "data": base64.b64encode(data).decode()}]}
    auth.login("coordinator")
    headers = {"X-CSRFToken": auth.csrf()}
    for _ in range(2):  # importing the same file twice adds nothing
        response = client.post("/api/v1/submissions/import", json=backup, headers=headers)
        assert response.status_code == 200, response.text
    assert db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
    page = client.get(f"/coordinate/submissions/{record['id']}").text
    assert f"/coordinate/submissions/{record['id']}/files/p1.png" in page
    assert client.get(f"/coordinate/submissions/{record['id']}/files/p1.png").data == data


def test_a_backup_with_a_damaged_file_is_refused_whole(client, auth, db):
    import base64

    record = photo_record("p1.png")
    damaged = {
        "record": record["id"],
        "name": "p1.png",
        "sha256": sha(b"other"),
        "data": base64.b64encode(png(1)).decode(),
    }
    auth.login("coordinator")
    backup = {"submissions": [record], "files": [damaged]}
    response = client.post("/api/v1/submissions/import", json=backup, headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 400
    assert response.json["errors"]["files"] == {"0": ["its bytes do not match its SHA-256"]}
    assert db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_a_backup_larger_than_the_body_limit_is_taken_on_the_import_route_only(app, client, auth, db):
    import base64

    app.config["MAX_BODY_BYTES"] = 20_000
    app.config["MAX_CONTENT_LENGTH"] = 20_000
    data = bytes(range(256)) * 100  # 25.6 kB of file, 34 kB in base64
    record = photo_record("big.bin")
    entry = {
        "record": record["id"],
        "name": "big.bin",
        "sha256": sha(data),
        "data": base64.b64encode(data).decode(),
    }
    auth.login("coordinator")
    headers = {"X-CSRFToken": auth.csrf()}
    response = client.post(
        "/api/v1/submissions/import", json={"submissions": [record], "files": [entry]}, headers=headers
    )
    assert response.status_code == 200, response.text
    big = {"submissions": [item(session(1, venue="x" * 30_000))]}
    assert client.post("/api/v1/submissions", json=big, headers=headers).status_code == 413
