"""The server side of the offline client: the worker at the root scope, the manifest and
its icons, the release id, and the list of URLs a phone keeps."""

from __future__ import annotations

import struct
from pathlib import Path

from survey_app import STATIC_DIR

ICON_DIR = STATIC_DIR / "icons"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_worker_is_served_from_the_root_scope_with_the_release(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    release = client.get("/api/v1/offline/precache").json["release"]
    assert f'const RELEASE = "{release}";' in response.text
    assert "__RELEASE__" not in response.text


def test_a_new_release_is_a_new_worker(app, client):
    before = client.get("/sw.js").text
    app.config["OFFLINE_RELEASE"] = "2026-12-01-abc"
    after = client.get("/sw.js").text
    assert before != after
    assert 'const RELEASE = "2026-12-01-abc";' in after
    assert client.get("/api/v1/offline/precache").json["release"] == "2026-12-01-abc"


def test_manifest_names_the_app_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["name"] == "Listening sessions"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
        path = STATIC_DIR / icon["src"].removeprefix("/static/")
        if icon["type"] == "image/png":
            width, height = png_size(path)
            assert icon["sizes"] == f"{width}x{height}"
        sizes[(icon["sizes"], icon.get("purpose", "any"))] = icon["src"]
    assert ("192x192", "any") in sizes and ("512x512", "any") in sizes
    assert ("512x512", "maskable") in sizes
    assert ("any", "any") in sizes  # the SVG


def test_anonymous_precache_is_the_shell_only(client):
    body = client.get("/api/v1/offline/precache").json
    assert body["user"] is None and body["pages"] == []
    shell = body["shell"]
    release = body["release"]
    assert f"/static/r/{release}/css/app.css" in shell and "/static/js/form.js" in shell
    assert "/manifest.webmanifest" in shell
    assert "/static/sw.js" not in shell  # the worker is served at /sw.js, never cached by itself
    assert not [url for url in shell if url.endswith(".png")]  # only an install needs them
    for url in shell:
        assert client.get(url).status_code == 200, url


def test_signed_in_precache_lists_every_form_and_its_definition(client, auth):
    auth.login("facilitator")
    body = client.get("/api/v1/offline/precache").json
    assert body["user"] == "facilitator"
    pages = body["pages"]
    assert {"/", "/logout", "/forms/listening_session", "/forms/community_feedback"} <= set(pages)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_form_page_offers_the_hooks_the_phone_relies_on(client, auth):
    auth.login("facilitator")
    html = client.get("/forms/listening_session").text
    assert 'method="post"' in html  # the no-JavaScript path
    assert 'data-name="venue" data-type="text" data-key="venue" data-required' in html
    assert "data-add-repeat" in html and 'name="networks__count"' in html
    assert 'src="/static/js/form.js"' in html


def test_an_accounts_shell_holds_only_the_capture_code_its_forms_need(client, auth, db):
    """Page weight: a signed-in phone keeps no public-link scripts and only the capture
    modules its forms use (the rest is fetched, and kept, when first used)."""
    anonymous = set(client.get("/api/v1/offline/precache").json["shell"])
    assert {"/static/js/capture/barcode.js", "/static/js/publicform.js"} <= anonymous
    auth.login("facilitator")
    shell = set(client.get("/api/v1/offline/precache").json["shell"])
    # The listening session has a photo and a location, no barcode.
    assert {
        "/static/js/capture/index.js",
        "/static/js/capture/files.js",
        "/static/js/capture/location.js",
    } <= shell
    assert "/static/js/capture/barcode.js" not in shell
    assert not shell & {"/static/js/publicform.js", "/static/js/publictexts.js", "/static/js/linkstatus.js"}
    assert "/static/js/form.js" in shell and "/static/js/home.js" in shell

    from survey_app.surveys.registry import publish

    publish(
        db,
        {
            "id": "poster_codes",
            "version": "1",
            "title": {"en": "Posters"},
            "questions": [{"name": "code", "type": "barcode", "label": {"en": "Code"}}],
        },
        source="test",
    )
    assert "/static/js/capture/barcode.js" in client.get("/api/v1/offline/precache").json["shell"]
