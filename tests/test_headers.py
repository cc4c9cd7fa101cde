"""Security headers on every response (issue 9, item 7), and caching that keeps offline work.

Every GET route of the access table is fetched as an admin (who may use them all) and as an
anonymous caller; every answer, errors and redirects included, carries the headers.
"""

from __future__ import annotations

import pytest
from conftest import make_app
from test_access import ROUTES

GET_URLS = sorted({url for _, method, url, _ in ROUTES if method == "GET"})


def check_headers(response, url):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "no-referrer", url
    assert "Strict-Transport-Security" not in headers, "no HSTS without TLS"


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
def test_every_page_carries_the_security_headers(client, auth, caller):
    if caller != "anonymous":
        auth.login(caller)
    for url in GET_URLS + ["/static/js/form.js", "/no/such/page"]:
        check_headers(client.get(url), url)
    check_headers(client.post("/login", data={}), "POST /login")


def test_hsts_when_cookies_are_secure(tmp_path, template_database):
    app = make_app(tmp_path, template_database, SECURE_COOKIES=True)
    response = app.test_client().get("/login", base_url="https://survey.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    "url",
    [
        "/coordinate/submissions",
        "/coordinate/review",
        "/coordinate/dashboard",
        "/admin/users",
        "/my/submissions",
        "/api/v1/surveys",
        "/api/v1/surveys/listening_session/submissions.csv",
    ],
)
def test_signed_in_pages_the_worker_does_not_keep_are_not_stored(client, auth, url):
    auth.login("admin")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_the_worker_keeps_stay_cacheable_by_it(client, auth):
    auth.login("facilitator")
    precache = client.get("/api/v1/offline/precache").json
    assert precache["pages"]
    for url in precache["pages"] + ["/api/v1/surveys/listening_session"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers["Cache-Control"], url
        assert "private" in response.headers["Cache-Control"], "never in a shared cache"
    for url in precache["shell"]:
        assert "no-store" not in client.get(url).headers.get("Cache-Control", ""), url


def test_the_worker_and_the_server_agree_on_the_kept_pages():
    """headers.OFFLINE_PAGE repeats the worker's KEPT_PAGE and DEFINITION: they must match."""
    import re
    from pathlib import Path

    from survey_app.headers import OFFLINE_PAGE

    worker = (Path(__file__).resolve().parent.parent / "static" / "sw.js").read_text()
    kept = re.search(r"const KEPT_PAGE = /(.+)/;", worker).group(1)
    definition = re.search(r"const DEFINITION = /(.+)/;", worker).group(1)
    assert OFFLINE_PAGE.pattern == f"{kept}|{definition}".replace("\\/", "/")
