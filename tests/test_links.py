"""Coordinators create, print, pause, resume and revoke public links; the CLI creates them too."""

from __future__ import annotations

import re

import pytest
import segno
from conftest import csrf_from, run_cli
from support_links import form_fields, make_link

from survey_app.links.model import LinkError


def create(client, **fields):
    page = client.get("/coordinate/links")
    data = {"csrf_token": csrf_from(page.text), "survey": "community_feedback", **fields}
    return client.post("/coordinate/links", data=data)


def test_coordinator_creates_a_link_and_sees_its_printable_page(app, client, auth, db):
    auth.login("coordinator")
    response = create(client, label="Likoni women's group, March", max_submissions="40")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    url = re.search(r'id="link-url" type="text" readonly value="([^"]+)"', page.text).group(1)
    token = url.rsplit("/p/", 1)[1]
    assert url == f"http://localhost/p/{token}" and len(token) >= 22
    assert '<svg role="img" aria-label="QR code for ' in page.text
    for instruction in ("Scan the code", "Changanua msimbo", "امسح الرمز", "Scannez le code"):
        assert instruction in page.text
    assert 'lang="ar" dir="rtl"' in page.text
    row = db.execute("SELECT label, max_submissions, state, created_by FROM public_links").fetchone()
    coordinator = db.execute("SELECT id FROM users WHERE username = 'coordinator'").fetchone()[0]
    assert row == ("Likoni women's group, March", 40, "active", coordinator)
    assert db.execute("SELECT action FROM audit_log WHERE action = 'link_created'").fetchone()


def test_the_qr_code_encodes_the_links_address(app, client, auth):
    auth.login("coordinator")
    link = make_link(app)
    svg = client.get(f"/coordinate/links/{link.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    expected = segno.make(f"http://localhost/p/{link.token}", error="m")
    path = re.search(r'<path[^>]* d="([^"]+)"', svg.text.split("</title>")[1]).group(1)
    assert path in expected.svg_inline(scale=8, border=4, dark="#000", light="#fff")


def test_base_url_setting_is_used_for_printed_links(tmp_path, template_database):
    from conftest import Auth, make_app

    app = make_app(tmp_path, template_database, BASE_URL="https://listen.example.org/")
    client = app.test_client()
    Auth(client).login("coordinator")
    link = make_link(app)
    page = client.get(f"/coordinate/links/{link.id}").text
    assert f'value="https://listen.example.org/p/{link.token}"' in page


def test_bad_input_on_the_create_form_is_a_clear_400(app, client, auth, db):
    auth.login("coordinator")
    empty = create(client, label="  ")
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.text
    past = create(client, label="Youth, Blantyre", expires="2020-01-01")
    assert past.status_code == 400 and "in the past" in past.text
    nonsense = create(client, label="Youth", max_submissions="-3")
    assert nonsense.status_code == 400
    unknown = create(client, label="Youth", survey="no_such_survey")
    assert unknown.status_code == 400
    assert db.execute("SELECT count(*) FROM public_links").fetchone()[0] == 0


def test_list_shows_state_and_submission_count_per_link(app, client, auth):
    busy = make_link(app, label="Busy group", max_submissions=10)
    make_link(app, label="Quiet group")
    for _ in range(3):
        assert client.post(f"/p/{busy.token}", data=form_fields()).status_code == 302
    auth.login("coordinator")
    html = client.get("/coordinate/links").text
    busy_row = re.search(rf'<tr data-link-id="{busy.id}">.*?</tr>', html, re.S).group(0)
    assert "3 of 10" in busy_row and "active" in busy_row
    assert "Quiet group" in html


def post_action(client, link_id, action):
    page = client.get(f"/coordinate/links/{link_id}")
    return client.post(
        f"/coordinate/links/{link_id}/{action}",
        data={"csrf_token": csrf_from(page.text), "next": "detail"},
    )


def test_pause_resume_and_revoke(app, client, auth, db):
    link = make_link(app)
    auth.login("coordinator")
    assert post_action(client, link.id, "pause").status_code == 302
    assert client.get(f"/p/{link.token}").status_code == 403
    assert post_action(client, link.id, "resume").status_code == 302
    assert client.get(f"/p/{link.token}").status_code == 200
    assert post_action(client, link.id, "revoke").status_code == 302
    assert client.get(f"/p/{link.token}").status_code == 410
    again = post_action(client, link.id, "resume")
    assert again.status_code == 400 and "revoked" in again.text
    page = client.get(f"/coordinate/links/{link.id}").text
    assert "was revoked" in page and link.token not in page
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE target = ?", [f"link:{link.id}"])]
    assert actions == ["link_created", "link_pause", "link_resume", "link_revoke"]


def test_actions_need_the_csrf_token_and_an_existing_link(app, client, auth):
    link = make_link(app)
    auth.login("coordinator")
    assert client.post(f"/coordinate/links/{link.id}/pause").status_code == 400
    assert post_action(client, 999, "pause").status_code == 404


def test_create_link_command_prints_the_full_url(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    result = run_cli(
        tmp_path,
        "create-link",
        "community_feedback",
        "--label",
        "Likoni women's group, March",
        "--expires",
        "2099-03-31",
        "--max",
        "50",
        "--base-url",
        "https://listen.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"https://listen\.example\.org/p/[A-Za-z0-9_-]{22}\n", result.stdout)
    default = run_cli(tmp_path, "create-link", "community_feedback", "--label", "Youth")
    assert default.stdout.startswith("http://127.0.0.1:8000/p/") and "SURVEY_APP_BASE_URL" in default.stderr


def test_create_link_command_errors_are_clear(tmp_path):
    run_cli(tmp_path, "init")
    unknown = run_cli(tmp_path, "create-link", "nope", "--label", "x")
    assert unknown.returncode != 0 and "no published survey" in unknown.stderr
    past = run_cli(tmp_path, "create-link", "community_feedback", "--label", "x", "--expires", "2001-01-01")
    assert past.returncode != 0 and "in the past" in past.stderr
    helped = run_cli(tmp_path, "create-link", "--help")
    assert helped.returncode == 0 and "--expires" in helped.stdout and "--base-url" in helped.stdout


def test_a_facilitator_only_survey_gets_no_public_link(app, client, auth, tmp_path):
    """The session form is run by facilitators (its definition says so): no public link."""
    with pytest.raises(LinkError, match="filled in by facilitators"):
        make_link(app, survey="listening_session")
    auth.login("coordinator")
    page = client.get("/coordinate/links")
    token = csrf_from(page.text)
    response = client.post(
        "/coordinate/links", data={"csrf_token": token, "survey": "listening_session", "label": "Youth"}
    )
    assert response.status_code == 400 and "filled in by facilitators" in response.text
    assert run_cli(tmp_path, "init").returncode == 0
    refused = run_cli(tmp_path, "create-link", "listening_session", "--label", "Youth")
    assert refused.returncode != 0 and "filled in by facilitators" in refused.stderr
