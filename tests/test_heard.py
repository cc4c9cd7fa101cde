"""The public "What we heard, what we are doing" pages (issue 14): published after a
preview, aggregate counts only, small counts suppressed so no total gives one away."""

from __future__ import annotations

import re

import pytest
from conftest import csrf_from, run_cli
from support_coordinators import item, send, session
from support_links import make_link

from survey_app.db import connect
from survey_app.migrate import migrate
from survey_app.surveys.registry import install_builtins
from survey_app.sync.ingest import Origin, ingest

WARD = {"likoni": "mtongwe", "nyali": "kongowea", "kisauni": "bamburi"}
FREE_TEXT = "Record-free-text-never-public"


def _sessions(spec: dict[str, list[list[str]]]) -> list[dict]:
    """Areas -> the concerns of each session; 2 women, 1 man, 1 youth per session."""
    items, n = [], 0
    for district, sessions in spec.items():
        for concerns in sessions:
            data = session(
                n,
                district=district,
                ward=WARD[district],
                concerns=concerns,
                women=2,
                men=1,
                undisclosed=0,
                youth=1,
                concerns_own_words=FREE_TEXT,
                quotes=FREE_TEXT,
            )
            data["total_participants"] = 3
            items.append(item(data))
            n += 1
    return items


SPEC = {
    "likoni": [["jobs", "drugs"]] * 6 + [["jobs"]] * 4 + [["crime"]] * 2,  # 12 sessions
    "nyali": [["jobs"]] * 7,  # 7 sessions
    "kisauni": [["water_sanitation"]] * 3,  # 3 sessions: under the threshold
}


@pytest.fixture
def staff(client, auth, token_for):
    send(client, token_for("facilitator"), _sessions(SPEC))
    auth.login("coordinator")
    return client


def _publish(client, area=""):
    url = "/coordinate/heard/listening_session/preview" + (f"?area={area}" if area else "")
    token = csrf_from(client.get(url).text)
    return client.post(
        "/coordinate/heard/listening_session/publish", data={"csrf_token": token, "pub-area": area}
    )


def _counts(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-count="[a-z]+">(\d+)<', html)]


def test_nothing_is_public_until_a_coordinator_publishes_after_a_preview(staff, client, db):
    assert client.get("/heard/listening_session").status_code == 404
    preview = client.get("/coordinate/heard/listening_session/preview")
    assert preview.status_code == 200 and "Preview" in preview.text
    assert client.get("/heard/listening_session").status_code == 404  # a preview publishes nothing
    assert _publish(client).status_code == 302
    page = client.get("/heard/listening_session")
    assert page.status_code == 200
    assert _counts(page.text) == _counts(preview.text.split("</form>", 2)[-1])
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'heard.publish'").fetchone()[0] == 1


def test_numbers_match_the_data_and_small_ones_are_hidden(staff, client):
    _publish(client)
    _publish(client, "likoni")
    _publish(client, "kisauni")
    city = client.get("/heard/listening_session").text
    # Kisauni's 3 sessions are hidden, and with them one more area, so 22 - 12 - 7 tells nothing.
    assert 'data-count="sessions">22<' in city
    kisauni = client.get("/heard/listening_session/kisauni").text
    assert 'data-count="sessions">3<' not in kisauni and "fewer than 5" in kisauni
    likoni = client.get("/heard/listening_session/likoni").text
    assert 'data-count="sessions">12<' in likoni
    raised = dict(re.findall(r'data-concern="([a-z_]+)">.*?data-count="concern">(\d+)<', likoni, re.S))
    assert raised == {"jobs": "10", "drugs": "6"}  # crime (2) hidden
    nyali = client.get("/coordinate/heard/listening_session/preview?area=nyali").text
    shown = [n for n in _counts(city) + _counts(likoni) + _counts(kisauni) + _counts(nyali)]
    assert shown and not [n for n in shown if 0 < n < 5]
    # Complementary: the city's water count would equal Kisauni's 3 sessions.
    assert 'data-concern="water_sanitation"' not in city
    # Area sessions that are shown can never be subtracted from the city total to get 3.
    area_sessions = {
        a: re.search(
            r'data-count="sessions">(\d+)<',
            client.get(f"/coordinate/heard/listening_session/preview?area={a}").text,
        )
        for a in WARD
    }
    known = {a: int(m.group(1)) for a, m in area_sessions.items() if m}
    assert len(known) <= 1 or 22 - sum(known.values()) >= 5


def test_the_page_holds_no_free_text_and_nothing_record_level(staff, client):
    _publish(client, "likoni")
    page = client.get("/heard/listening_session/likoni").text
    assert FREE_TEXT not in page
    assert "Hall " not in page  # venues are free text too
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", page)  # no record ids


def test_actions_answering_the_concerns_show_status_and_last_note(staff, client, db):
    token = csrf_from(client.get("/coordinate/plans").text)
    created = client.post(
        "/coordinate/plans",
        data={
            "csrf_token": token,
            "plan-title": "Plan",
            "plan-areas": ["likoni"],
            "plan-period_start": "2026-01-01",
            "plan-period_end": "2027-12-31",
        },
    )
    plan_id = created.headers["Location"].split("/")[-1]
    response = client.post(
        f"/coordinate/plans/{plan_id}/actions",
        data={
            "csrf_token": token,
            "action-title": "Youth jobs fair",
            "action-concerns": ["jobs"],
            "action-status": "under_way",
        },
    )
    action_id = response.headers["Location"].split("/")[-1]
    client.post(
        f"/coordinate/actions/{action_id}/notes",
        data={"csrf_token": token, "note-noted_on": "2026-04-02", "note-body": "Twelve employers signed up."},
    )
    client.post(
        f"/coordinate/plans/{plan_id}/actions",
        data={
            "csrf_token": token,
            "action-title": "Not for these concerns",
            "action-concerns": ["land"],
            "action-status": "planned",
        },
    )
    _publish(client, "likoni")
    page = client.get("/heard/listening_session/likoni").text
    assert "Youth jobs fair" in page and "Twelve employers signed up." in page and "status-under_way" in page
    assert "Not for these concerns" not in page


def test_withdraw_takes_the_page_down(staff, client):
    _publish(client)
    token = csrf_from(client.get("/coordinate/heard/listening_session/preview").text)
    client.post("/coordinate/heard/listening_session/withdraw", data={"csrf_token": token, "wd-area": ""})
    assert client.get("/heard/listening_session").status_code == 404


def test_bad_area_or_survey_is_a_clear_4xx(staff, client):
    assert client.get("/coordinate/heard/listening_session/preview?area=atlantis").status_code == 400
    assert client.get("/coordinate/heard/nope/preview").status_code == 400
    assert client.get("/heard/listening_session/atlantis").status_code == 404
    assert client.get("/heard/nope").status_code == 404


def _feedback_link(app, db):
    """A public link (community_feedback: listening sessions are for facilitators only),
    with six answers sent through it."""
    from support_links import record

    link = make_link(app)
    ingest(db, [record() for _ in range(6)], Origin("link", link_id=link.id))
    return link


def _publish_feedback(client):
    token = csrf_from(client.get("/coordinate/heard/community_feedback/preview").text)
    return client.post(
        "/coordinate/heard/community_feedback/publish", data={"csrf_token": token, "pub-area": ""}
    )


def test_link_page_and_thank_you_link_and_nothing_about_the_visitor(app, staff, client, db):
    link = _feedback_link(app, db)
    thanks = client.get(f"/p/{link.token}/thanks").text
    assert "/heard" not in thanks  # nothing published yet
    _publish_feedback(client)
    client.get("/logout")
    thanks = client.get(f"/p/{link.token}/thanks").text
    assert f"/p/{link.token}/heard" in thanks
    before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("audit_log", "submissions")}
    page = client.get(f"/p/{link.token}/heard?lang=sw", headers={"User-Agent": "VisitorAgent/1.0"})
    assert page.status_code == 200 and 'lang="sw"' in page.text
    assert "Set-Cookie" not in page.headers or "session" not in page.headers.get("Set-Cookie", "")
    after = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("audit_log", "submissions")}
    assert before == after
    assert client.get("/p/no-such-token/heard").status_code == 404
    arabic = client.get("/heard/community_feedback?lang=ar").text
    assert 'dir="rtl"' in arabic


def test_poster_links_to_the_page_once_published(app, staff, client, db):
    link = _feedback_link(app, db)
    assert f"{link.token}/heard" not in client.get(f"/coordinate/links/{link.id}").text
    _publish_feedback(client)
    assert f"{link.token}/heard" in client.get(f"/coordinate/links/{link.id}").text


def test_publish_heard_command(tmp_path):
    db = connect(str(tmp_path / "cli.db"))
    migrate(db)
    install_builtins(db)
    ingest(db, _sessions({"likoni": [["jobs"]] * 6}), Origin("facilitator", user_id=None))
    db.close()
    done = run_cli(tmp_path, "publish-heard", "listening_session", "--area", "likoni")
    assert done.returncode == 0, done.stderr
    assert "/heard/listening_session/likoni" in done.stdout
    refused = run_cli(tmp_path, "publish-heard", "listening_session", "--area", "atlantis")
    assert refused.returncode != 0 and "no such area" in refused.stderr
    db = connect(str(tmp_path / "cli.db"))
    snapshot = db.execute("SELECT snapshot FROM heard_pages").fetchone()[0]
    assert '"sessions": 6' in snapshot


def test_a_feedback_links_community_page_counts_answers_without_areas(app, client, auth, db):
    from support_links import record

    link = make_link(app)  # community_feedback: no area list, so only the survey's page
    answers = [record() for _ in range(7)]
    for n, answer in enumerate(answers):
        answer["data"]["biggest_concerns"] = ["jobs"] if n < 6 else ["drugs"]
        answer["data"]["biggest_difference"] = FREE_TEXT
    ingest(db, answers, Origin("link", link_id=link.id))
    auth.login("coordinator")
    token = csrf_from(client.get("/coordinate/heard/community_feedback/preview").text)
    client.post("/coordinate/heard/community_feedback/publish", data={"csrf_token": token, "pub-area": ""})
    client.get("/logout")
    page = client.get(f"/p/{link.token}/heard").text
    assert 'data-count="sessions">7<' in page
    raised = dict(re.findall(r'data-concern="([a-z_]+)">.*?data-count="concern">(\d+)<', page, re.S))
    assert raised == {"jobs": "6"}  # drugs (1) hidden
    assert FREE_TEXT not in page and 'data-count="women"' not in page  # this survey counts no people
    db.execute("UPDATE public_links SET state = 'revoked', token = NULL WHERE id = ?", [link.id])
    db.conn.commit()
    assert client.get(f"/p/{link.token}/heard").status_code == 404
