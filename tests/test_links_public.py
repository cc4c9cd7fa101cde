"""The public pages of a link: the form with no account, its no-JS post, thanks, closed pages."""

from __future__ import annotations

import html
import json
import re

import pytest
from support_links import form_fields, make_link, set_link

from survey_app.db import write_transaction
from survey_app.links.model import change_state


def stored(db, **where):
    clause = " AND ".join(f"{key} = ?" for key in where) or "1"
    return list(db.query(f"SELECT * FROM submissions WHERE {clause}", list(where.values())))


def test_form_opens_without_an_account_and_sets_no_cookie(app, client):
    link = make_link(app)
    response = client.get(f"/p/{link.token}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.text
    assert f'data-user="link:{link.id}"' in html
    form = re.search(r'<form method="post" class="survey-form"[^>]*>', html, re.S).group(0)
    assert f'data-link-token="{link.token}"' in form
    assert f'data-sync-url="/api/v1/links/{link.token}/submissions"' in form
    assert "csrf_token" not in html and "csrf-token" not in html
    assert "Sign out" not in html


def test_notice_of_what_is_collected_comes_before_the_first_question(app, client):
    link = make_link(app)
    html = client.get(f"/p/{link.token}?lang=en").text
    notice = html.index("What is kept:")
    assert notice < html.index("What is not kept:") < html.index('data-name="age_band"')
    assert "internet address (IP)" in html


def test_arabic_form_is_right_to_left_with_the_notice_in_arabic(app, client):
    link = make_link(app)
    html = client.get(f"/p/{link.token}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in html
    assert "ما يُحفظ" in html and "إنهاء وإرسال" in html
    assert "آراء المجتمع" in html  # the survey's own Arabic title


def test_browser_language_picks_the_form_language(app, client):
    link = make_link(app)
    html = client.get(f"/p/{link.token}", headers={"Accept-Language": "sw,en;q=0.5"}).text
    assert '<html lang="sw"' in html and "Maoni ya jamii" in html


def test_posted_form_is_stored_with_the_link_only(app, client, db):
    link = make_link(app)
    fields = form_fields(_lang="fr", _started_at="2026-11-01T10:00:00.000+00:00")
    response = client.post(f"/p/{link.token}", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/p/{link.token}/thanks?lang=fr")
    [row] = stored(db, link_id=link.id)
    assert row["id"] == fields["_id"] and row["source"] == "link" and row["submitted_by"] is None
    assert row["validation"] == "valid"
    assert json.loads(row["data"])["biggest_concerns"] == ["jobs", "water_sanitation"]
    assert set(json.loads(row["meta"])) <= {"started_at", "finalized_at", "app_version", "lang"}
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Merci" in thanks.text


def test_a_signed_in_account_on_the_same_phone_is_not_recorded(app, client, auth, db):
    auth.login("facilitator")
    link = make_link(app)
    response = client.post(f"/p/{link.token}", data=form_fields())
    assert response.status_code == 302
    [row] = stored(db, link_id=link.id)
    assert row["submitted_by"] is None and row["source"] == "link"


def test_invalid_answers_come_back_with_messages_and_nothing_is_stored(app, client, db):
    link = make_link(app)
    fields = form_fields()
    del fields["gender"]
    response = client.post(f"/p/{link.token}", data={**fields, "_lang": "en"})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.text and 'aria-invalid="true"' in response.text
    assert "What is your gender?" in response.text.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#f-gender-woman">' in response.text  # the summary moves to the first option
    assert 'id="f-gender-woman"' in response.text
    assert fields["biggest_difference"] in response.text  # the answers are kept on the page
    assert stored(db, link_id=link.id) == []


def test_filled_honeypot_looks_accepted_but_is_not_stored(app, client, db):
    link = make_link(app)
    response = client.post(f"/p/{link.token}", data=form_fields(website="http://spam.example"))
    assert response.status_code == 302 and "/thanks" in response.headers["Location"]
    assert stored(db) == []


def test_unknown_token_is_a_clear_404_page(client):
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert "Ce lien n'existe pas" in html.unescape(response.text)


@pytest.mark.parametrize(
    ("reason", "code", "french"),
    [
        ("paused", 403, "suspendu"),
        ("revoked", 410, "retiré"),
        ("expired", 410, "période de réponse est terminée"),
        ("full", 403, "toutes les réponses prévues"),
    ],
)
def test_closed_links_answer_with_a_page_in_the_survey_language(app, client, db, reason, code, french):
    link = make_link(app, max_submissions=1 if reason == "full" else None)
    token = link.token
    if reason == "full":
        assert client.post(f"/p/{token}", data=form_fields()).status_code == 302
    elif reason == "expired":
        set_link(app, link.id, expires_at="2026-01-01T23:59:59.999+00:00")
    else:
        change_state(db, link.id, {"paused": "pause", "revoked": "revoke"}[reason], None)
    response = client.get(f"/p/{token}?lang=fr")
    assert response.status_code == code
    assert french in response.text and 'lang="fr"' in response.text
    assert f'data-link-state="{reason}"' in response.text
    late = client.post(f"/p/{token}", data=form_fields(_lang="fr"))
    assert late.status_code == code and french in late.text


def test_a_form_opened_before_a_pause_is_accepted_after_it(app, client, db):
    link = make_link(app)
    html = client.get(f"/p/{link.token}").text
    ticket = re.search(r'name="_ticket" value="([^"]+)"', html).group(1)
    change_state(db, link.id, "pause", None)
    response = client.post(f"/p/{link.token}", data=form_fields(_ticket=ticket))
    assert response.status_code == 302
    assert len(stored(db, link_id=link.id)) == 1
    assert ticket not in stored(db, link_id=link.id)[0]["meta"]  # checked, then dropped
    thanks = client.get(response.headers["Location"])
    assert "Give another answer" not in thanks.text  # the link is paused: no new form offered


def test_a_back_dated_start_time_on_the_form_post_proves_nothing(app, client, db):
    link = make_link(app, max_submissions=1)
    posts = [
        client.post(f"/p/{link.token}", data=form_fields(_started_at="2020-01-01T00:00:00.000+00:00"))
        for _ in range(3)
    ]
    assert [p.status_code for p in posts] == [302, 403, 403]
    assert len(stored(db, link_id=link.id)) == 1


def test_a_form_post_reusing_another_links_record_id_is_kept_under_a_new_id(app, client, db):
    first, second = make_link(app), make_link(app, label="Another group")
    fields = form_fields()
    assert client.post(f"/p/{first.token}", data=fields).status_code == 302
    again = client.post(f"/p/{second.token}", data={**fields, "biggest_difference": "Other words"})
    assert again.status_code == 302
    rows = db.execute("SELECT id, link_id FROM submissions ORDER BY link_id").fetchall()
    assert [r[1] for r in rows] == [first.id, second.id] and rows[0][0] == fields["_id"] != rows[1][0]
    assert db.execute("SELECT count(*) FROM submission_conflicts").fetchone()[0] == 0


def test_add_repeat_button_and_language_switch_keep_the_link(app, client):
    link = make_link(app)
    html = client.get(f"/p/{link.token}?lang=en").text
    for code in ("en", "fr", "ar", "sw"):
        assert f'href="/p/{link.token}?lang={code}"' in html


def test_a_link_to_an_archived_survey_says_it_is_closed(app, client, db):
    link = make_link(app)
    with write_transaction(db):
        db.execute("UPDATE surveys SET archived = 1 WHERE id = 'community_feedback'")
    assert client.get(f"/p/{link.token}").status_code == 410
    # A form page opened before the archiving names its version: its answers are still kept.
    assert client.post(f"/p/{link.token}", data=form_fields()).status_code == 302
    assert client.get(f"/p/{link.token}/thanks").status_code == 200
