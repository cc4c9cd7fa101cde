"""The submissions browser: filters, key-based paging, the detail view, a phone-sized screen."""

from __future__ import annotations

import html
import re

from conftest import browser_login
from support_coordinators import item, send, session


def older_link(page: str) -> str | None:
    match = re.search(r'href="([^"]*after=[^"]*)" rel="next"', page)
    return html.unescape(match.group(1)) if match else None


def test_paging_visits_every_record_once(client, auth, token_for):
    token = token_for("facilitator")
    sent = [item(session(n)) for n in range(120)]
    for start in range(0, 120, 40):
        send(client, token, sent[start : start + 40])
    auth.login("coordinator")
    url = "/coordinate/submissions?survey=listening_session"
    seen: list[str] = []
    pages = 0
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert "<strong>120</strong> records match" in page.text
        seen += re.findall(r"/coordinate/submissions/([0-9a-f-]{36})\?", page.text)
        url = older_link(page.text)
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(i["id"] for i in sent) and len(seen) == 120
    last = client.get(older_link(client.get("/coordinate/submissions?survey=listening_session").text))
    newer = re.search(r'href="([^"]*before=[^"]*)" rel="prev"', last.text)
    back = client.get(html.unescape(newer.group(1))).text
    first = client.get("/coordinate/submissions?survey=listening_session").text
    ids = re.compile(r"/coordinate/submissions/([0-9a-f-]{36})\?")
    assert ids.findall(back) == ids.findall(first)


def test_filters_and_search_narrow_the_table(client, auth, token_for):
    token = token_for("facilitator")
    plain = [item(session(n)) for n in range(6)]
    special = item(session(7, quotes="Les jeunes parlent de la sécurité au marché."))
    send(client, token, plain + [special])
    auth.login("coordinator")
    page = client.get("/coordinate/submissions?survey=listening_session&q=securite").text
    assert "<strong>1</strong> record match" in page and special["id"] in page
    page = client.get("/coordinate/submissions?survey=listening_session&district=nyali").text
    nyali = [i for i in plain + [special] if i["data"]["district"] == "nyali"]
    assert f"<strong>{len(nyali)}</strong>" in page
    assert all(i["id"] in page for i in nyali)
    assert "submissions.xlsx?district=nyali" in page.replace("&amp;", "&") or "district=nyali" in page


def test_bad_filters_and_cursors_are_400(client, auth):
    auth.login("coordinator")
    for query in ("after=yesterday", "state=done", "received_from=2026-02-30"):
        response = client.get(f"/coordinate/submissions?survey=listening_session&{query}")
        assert response.status_code == 400
        assert 'class="error-summary"' in response.text


def test_detail_shows_every_answer_with_its_label_in_the_chosen_language(client, auth, token_for):
    record = item(session(1))
    send(client, token_for("facilitator"), [record])
    auth.login("coordinator")
    english = client.get(f"/coordinate/submissions/{record['id']}").text
    assert "Women&#39;s group" in english or "Women's group" in english
    assert "Nyali" in english and record["data"]["concerns_own_words"] in english
    french = client.get(f"/coordinate/submissions/{record['id']}?lang=fr").text
    assert "Groupe de femmes" in french and 'lang="fr"' in french


def test_the_pages_fit_a_phone(phone, live_server, app, token_for):
    from survey_app.db import connect
    from survey_app.sync.ingest import Origin, ingest

    db = connect(app.config["DATABASE"])
    ingest(db, [item(session(n)) for n in range(12)], Origin("api", user_id=3))
    db.close()
    page = phone.new_page()
    browser_login(page, "coordinator")
    for path in (
        "/coordinate/dashboard?survey=listening_session",
        "/coordinate/submissions?survey=listening_session",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px screen"
    page.goto("/coordinate/dashboard?survey=listening_session")
    assert page.locator("svg.chart").count() >= 8
    assert page.locator("table.numbers").count() == page.locator("svg.chart").count()
