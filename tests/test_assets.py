"""Static files: compressed on the wire, cached a year under a release URL, no cookies.

Measured before issue 10: ``formlogic.js`` went out as 33,876 bytes with no
``Content-Encoding``, and every static file carried ``Cache-Control: no-cache`` and
``Vary: Cookie``.
"""

from __future__ import annotations

import gzip
import re

from flask import url_for

from survey_app.paths import STATIC_DIR


def test_javascript_goes_out_gzipped_to_a_client_that_takes_it(client):
    response = client.get("/static/js/formlogic.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    raw = (STATIC_DIR / "js" / "formlogic.js").read_bytes()
    assert gzip.decompress(response.data) == raw
    assert int(response.headers["Content-Length"]) < len(raw) / 2
    assert "Accept-Encoding" in response.headers["Vary"]
    plain = client.get("/static/js/formlogic.js")  # a client that did not ask gets identity bytes
    assert "Content-Encoding" not in plain.headers and plain.data == raw


def test_release_urls_are_cached_a_year_and_plain_urls_revalidate(app, client):
    with app.test_request_context():
        css = url_for("static", filename="css/app.css")
        js = url_for("static", filename="js/form.js")
        from survey_app.offline.release import release_id

        release = release_id()
    assert css == f"/static/r/{release}/css/app.css"
    assert js == "/static/js/form.js"  # ES modules keep one URL (see survey_app/assets.py)
    cached = client.get(css)
    assert cached.status_code == 200
    assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert cached.data == (STATIC_DIR / "css" / "app.css").read_bytes()
    assert client.get(js).headers["Cache-Control"] == "no-cache"
    old = client.get("/static/r/0.0.1-000000000000/css/app.css")  # another release's URL
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    etag = client.get(js).headers["ETag"]
    assert client.get(js, headers={"If-None-Match": etag}).status_code == 304


def test_static_files_carry_no_cookie_even_for_a_signed_in_phone(client, auth):
    auth.login("facilitator")
    for url in ("/static/js/offline.js", "/static/css/app.css", "/static/icons/icon.svg"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert "cookie" not in response.headers.get("Vary", "").lower(), url
        assert "Set-Cookie" not in response.headers, url


def test_pages_use_release_urls_for_css_and_the_worker_keeps_them(client, auth):
    auth.login("facilitator")
    html = client.get("/").text
    assert re.search(r'href="/static/r/[^/"]+/css/app\.css"', html)
    shell = client.get("/api/v1/offline/precache").json["shell"]
    assert any(re.fullmatch(r"/static/r/[^/]+/css/app\.css", url) for url in shell)
    for url in shell:
        assert client.get(url).status_code == 200, url


def test_pages_are_compressed_unless_they_may_reflect_a_visitors_input(client, auth):
    """A CSRF token beside text the visitor sent is what BREACH measures: no gzip for those."""
    auth.login("facilitator")
    form = client.get("/forms/listening_session", headers={"Accept-Encoding": "gzip"})
    assert form.status_code == 200 and form.headers["Content-Encoding"] == "gzip"
    assert b"csrf" in gzip.decompress(form.data)
    asked = client.get("/forms/listening_session?lang=fr", headers={"Accept-Encoding": "gzip"})
    assert asked.status_code == 200 and "Content-Encoding" not in asked.headers
    posted = client.post("/login", data={"username": "x" * 900}, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in posted.headers


def test_paths_outside_static_are_not_served(client):
    for url in ("/static/../pyproject.toml", "/static/r/x/../../setup.py", "/static/nothing.js"):
        assert client.get(url).status_code == 404, url
