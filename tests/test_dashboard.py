"""The dashboard and its summary API, checked against counts computed directly in SQL.

The expected numbers are computed here from ``submissions.data`` itself (json_extract over
the stored answers), not from the derived index the dashboard reads, so a trigger that
missed a record or a field would show up as a difference.
"""

from __future__ import annotations

import re

import pytest
from support_coordinators import bearer, item, send, send_from_link, session

SUMMARY = "/api/v1/surveys/listening_session/summary"
NUMBER = "CASE WHEN json_type(s.data, '$.{0}') IN ('integer', 'real') THEN json_extract(s.data, '$.{0}') END"


@pytest.fixture
def loaded(app, client, token_for):
    token = token_for("facilitator")
    items = [item(session(n)) for n in range(30)]
    items.append(item(session(30, women="lots")))  # quarantined: kept, counted, no women
    send(client, token, items)
    send_from_link(app, [item(session(31)), item(session(32))])
    feedback = item({"age_band": "age_18_24"}, survey="community_feedback")
    send(client, token, [feedback])  # another survey: never in these numbers
    return items


def sql_rows(db, select: str, where: str = "", group: str = "") -> list[tuple]:
    sql = f"SELECT {select} FROM submissions s WHERE s.survey_id = 'listening_session' {where}"
    return db.execute(sql + (f" GROUP BY {group} ORDER BY 1" if group else "")).fetchall()


def people_sql() -> str:
    return " + ".join(f"COALESCE({NUMBER.format(n)}, 0)" for n in ("women", "men", "undisclosed"))


def test_summary_numbers_match_sql(client, db, loaded, token_for):
    summary = client.get(SUMMARY + "?include=all", headers=bearer(token_for("coordinator"))).json
    totals = summary["totals"]
    (count, people, women, youth, flags, links, quarantined) = sql_rows(
        db,
        f"count(*), total({people_sql()}), total({NUMBER.format('women')}), total({NUMBER.format('youth')}),"
        " total(json_extract(s.data, '$.safeguarding_flag') = 'yes'), total(s.link_id IS NOT NULL),"
        " total(s.validation = 'quarantined')",
    )[0]
    assert (totals["records"], totals["people"], totals["women"], totals["youth"]) == (
        count,
        people,
        women,
        youth,
    )
    assert (totals["safeguarding_flags"], totals["from_public_links"], totals["quarantined"]) == (
        flags,
        links,
        quarantined,
    )
    assert count == 33 and links == 2 and quarantined == 1

    months = sql_rows(
        db,
        f"substr(json_extract(s.data, '$.session_date'), 1, 7), count(*), total({people_sql()}),"
        f" total({NUMBER.format('youth')})",
        group="1",
    )
    assert [(m["month"], m["records"], m["people"], m["youth"]) for m in summary["over_time"]] == months

    areas = sql_rows(
        db, f"json_extract(s.data, '$.district'), count(*), total({NUMBER.format('women')})", group="1"
    )
    assert sorted((a["area"], a["records"], a["women"]) for a in summary["by_area"]) == areas

    concerns = db.execute(
        "SELECT e.value, count(DISTINCT s.id) FROM submissions s, json_each(s.data, '$.concerns') e"
        " WHERE s.survey_id = 'listening_session' GROUP BY e.value"
    ).fetchall()
    assert sorted((c["concern"], c["records"]) for c in summary["concerns"]) == sorted(concerns)
    by_area = db.execute(
        "SELECT json_extract(s.data, '$.district'), e.value, count(*) FROM submissions s,"
        " json_each(s.data, '$.concerns') e WHERE s.survey_id = 'listening_session' GROUP BY 1, 2"
    ).fetchall()
    assert sorted((c["area"], c["concern"], c["records"]) for c in summary["concerns_by_area"]) == sorted(
        by_area
    )

    scores = sql_rows(
        db,
        "substr(json_extract(s.data, '$.session_date'), 1, 7),"
        " round(avg(json_extract(s.data, '$.trust_police')), 2),"
        " round(avg(json_extract(s.data, '$.feel_safe')), 2)",
        group="1",
    )
    assert [(m["month"], m["trust_police"], m["feel_safe"]) for m in summary["scores_over_time"]] == scores

    networks = db.execute(
        "SELECT json_extract(e.value, '$.org_type'), count(*),"
        " total(json_extract(e.value, '$.could_partner') = 'yes')"
        " FROM submissions s, json_each(s.data, '$.networks') e WHERE s.survey_id = 'listening_session'"
        " GROUP BY 1"
    ).fetchall()
    assert sorted(
        (t["type"], t["mentions"], t["partners"]) for t in summary["networks"]["by_type"]
    ) == sorted(networks)
    top = dict((o["name"], o["mentions"]) for o in summary["networks"]["top_organisations"])
    assert top["vijana amani"] == sum(1 for i in loaded if "networks" in i["data"])


def test_summary_follows_filters(client, db, loaded, token_for, auth):
    headers = bearer(token_for("coordinator"))
    likoni = client.get(SUMMARY + "?district=likoni&include=all", headers=headers).json
    expected = sql_rows(
        db, f"count(*), total({people_sql()})", where="AND json_extract(s.data, '$.district') = 'likoni'"
    )[0]
    assert (likoni["totals"]["records"], likoni["totals"]["people"]) == expected
    assert [a["area"] for a in likoni["by_area"]] == ["likoni"]
    links = client.get(SUMMARY + "?source=link", headers=headers).json
    assert links["totals"]["records"] == 2
    searched = client.get(SUMMARY + "?q=buses&include=all", headers=headers).json
    assert searched["totals"]["records"] == 33
    assert client.get(SUMMARY + "?lang=fr", headers=headers).json["by_area"][0]["label"]


@pytest.mark.parametrize(
    "query", ["nope=1", "state=done", "session_from=yesterday", "lang=xx", "district=atlantis"]
)
def test_summary_bad_filter_is_400(client, token_for, query):
    response = client.get(SUMMARY + "?" + query, headers=bearer(token_for("coordinator")))
    assert response.status_code == 400 and response.json["ok"] is False and response.json["errors"]


def test_a_facilitator_gets_403(client, token_for, auth):
    assert client.get(SUMMARY, headers=bearer(token_for("facilitator"))).status_code == 403
    auth.login("facilitator")
    assert client.get("/coordinate/dashboard").status_code == 403


def test_dashboard_page_charts_each_followed_by_its_table(client, auth, loaded):
    auth.login("coordinator")
    response = client.get("/coordinate/dashboard?survey=listening_session")
    assert response.status_code == 200
    html = response.text
    assert "<script" not in html.split("<main", 1)[1], "no chart library, no script for the charts"
    assert len(response.data) < 150_000
    sections = re.findall(r'<section class="chart-block".*?</section>', html, re.S)
    assert len(sections) >= 8
    for section in sections:
        svg_at, table_at = section.find("<svg"), section.find("<table")
        assert 0 < svg_at < table_at, "each chart is followed by its numbers"
        assert 'role="img"' in section and "aria-label=" in section and '<th scope="col">' in section
    concerns = next(s for s in sections if 'id="concerns-h"' in s)
    assert '<th scope="row">Jobs and livelihoods</th><td>' in concerns
    assert ">33<" in html or "33</dd>" in html


def test_dashboard_bad_filter_shows_the_message(client, auth):
    auth.login("coordinator")
    response = client.get("/coordinate/dashboard?survey=listening_session&state=done")
    assert response.status_code == 400 and "Must be one of" in response.text
