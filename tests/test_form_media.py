"""XLSForm media columns: shown beside their label when the file is attached to the version
(per language), the file's name when it is not; served with nosniff, SVG never inline."""

from __future__ import annotations

import hashlib
import re

from conftest import run_cli
from support_links import make_link
from support_media import FILES, media_form

from survey_app.attachments.storage import files_root
from survey_app.surveys.registry import get_definition
from survey_app.xlsform import import_xlsform


def imported(app, db, tmp_path):
    path = media_form(tmp_path)
    files = {
        name: FILES[name] for name in ("logo.png", "logo_fr.png", "apple.png", "question.mp3", "evil.svg")
    }
    return import_xlsform(
        db, path.read_bytes(), path.name, attachments=files, files_root=files_root(app.config)
    )


def sources(html: str) -> list[str]:
    return re.findall(r'<(?:img|audio|video) class="form-media"[^>]* src="([^"]+)"', html)


def test_media_shown_when_attached_and_named_when_not(app, db, client, auth, tmp_path):
    result = imported(app, db, tmp_path)
    summary = result.definition["attachments"]
    assert summary["logo.png"]["type"] == "image/png"
    assert summary["logo.png"]["sha256"] == hashlib.sha256(FILES["logo.png"]).hexdigest()
    assert summary["evil.svg"]["type"] == "application/octet-stream", "typed by its bytes, not its name"
    assert summary["missing.mp3"] == {"missing": True}
    assert any("missing.mp3" in w for w in result.warnings)

    auth.login("facilitator")
    page = client.get("/forms/media_demo?lang=en").text
    assert sources(page) == [
        "/forms/media_demo/media/1/logo.png",
        "/forms/media_demo/media/1/question.mp3",
        "/forms/media_demo/media/1/apple.png",
    ]
    assert (
        '<audio class="form-media" controls preload="none" src="/forms/media_demo/media/1/question.mp3"'
        in page
    )
    assert "Media file not shown here: missing.mp3" in page
    assert "Media file not shown here: evil.svg" in page and "media/1/evil.svg" not in page
    french = client.get("/forms/media_demo?lang=fr").text
    assert "/forms/media_demo/media/1/logo_fr.png" in french and "/media/1/logo.png" not in french


def test_media_files_are_served_safely(app, db, client, auth, tmp_path):
    imported(app, db, tmp_path)
    assert client.get("/forms/media_demo/media/1/logo.png").status_code in (302, 401), "signed in only"
    auth.login("facilitator")
    image = client.get("/forms/media_demo/media/1/logo.png")
    assert image.status_code == 200 and image.data == FILES["logo.png"]
    assert image.mimetype == "image/png" and image.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert "immutable" in image.headers["Cache-Control"]
    audio = client.get("/forms/media_demo/media/1/question.mp3")
    assert audio.status_code == 200 and audio.mimetype == "audio/mpeg"
    svg = client.get("/forms/media_demo/media/1/evil.svg")
    assert svg.status_code == 200 and svg.mimetype == "application/octet-stream"
    assert svg.headers["Content-Disposition"].startswith("attachment")
    for missing in ("missing.mp3", "other.png", "..%2F..%2Fmedia_demo.db"):
        assert client.get(f"/forms/media_demo/media/1/{missing}").status_code == 404
    assert client.get("/forms/media_demo/media/2/logo.png").status_code == 404
    assert client.get("/forms/listening_session/media/1/logo.png").status_code == 404


def test_a_public_link_shows_its_forms_media(app, db, client, tmp_path):
    imported(app, db, tmp_path)
    link = make_link(app, "media_demo", "Media group")
    page = client.get(f"/p/{link.token}?lang=en").text
    assert f"/p/{link.token}/media/1/logo.png" in sources(page)
    image = client.get(f"/p/{link.token}/media/1/apple.png")
    assert image.status_code == 200 and image.data == FILES["apple.png"]
    assert client.get("/p/no-such-token/media/1/apple.png").status_code == 404


def test_the_cli_import_keeps_the_media_with_the_version(tmp_path):
    form = media_form(tmp_path)
    attach = []
    for name in ("logo.png", "apple.png"):
        (tmp_path / name).write_bytes(FILES[name])
        attach += ["--attach", str(tmp_path / name)]
    assert run_cli(tmp_path, "init").returncode == 0
    done = run_cli(tmp_path, "import-xlsform", str(form), *attach)
    assert done.returncode == 0, done.stderr
    digest = hashlib.sha256(FILES["logo.png"]).hexdigest()
    stored = tmp_path / "attachments" / "sha256" / digest[:2] / digest
    assert stored.read_bytes() == FILES["logo.png"]


def test_the_offline_precache_lists_the_current_versions_media(app, db, client, auth, tmp_path):
    imported(app, db, tmp_path)
    auth.login("facilitator")
    pages = client.get("/api/v1/offline/precache").json["pages"]
    assert "/forms/media_demo/media/1/logo.png" in pages and "/forms/media_demo/media/1/question.mp3" in pages
    assert not any("evil.svg" in url or "missing.mp3" in url for url in pages)
    assert get_definition(db, "media_demo")["attachments"]["apple.png"]["type"] == "image/png"
