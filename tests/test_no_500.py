"""Bad input of any kind on any route answers 4xx, never 500; any stored record can be read.

Every route of the access table is called by an admin (who may use them all) with junk:
odd query values, malformed bodies (nested 1,000 deep, integers of 5,000 digits), wrong
types, a token that is not one. Then the nastiest records a fault-and-fuzz run found (and
more of the same kind: huge and lone-surrogate strings, integers of hundreds of digits,
NaN and Infinity, every question answered with the wrong type, lists nested in lists,
geopoints as strings, repeats as objects, answers that are not an object at all) are sent
through the real sync API, by an account and through a public link, with conflict copies,
and every page and every export that shows records is opened on them: none may answer
500, every stream must finish, and no such record may fail the batch it came in.
"""

from __future__ import annotations

import json
import math
import uuid

import pytest
from conftest import Auth, csrf_from, make_app
from support_links import ANSWERS, make_link
from test_access import ROUTES

from survey_app.auth.tokens import create_token
from survey_app.db import connect

JUNK_QUERIES = [
    "?version=%00&lang=zz&page=-1&per_page=999999999999999999999",
    "?from=not-a-date&to=2026-13-45&state=nonsense&source=alien&district=%F0%9F%92%A9",
    "?q=%22%22%22%20OR%20*&after=zzz&before=&facilitator=abc&survey=..%2F..%2Fetc",
    "?" + "x=" + "a" * 5000,
]
JUNK_BODIES = [
    ("application/json", b"{not json"),
    ("application/json", b'{"submissions": [{"id": null}]}'),
    ("application/json", b"[1, 2, 3]"),
    ("application/json", b'"\\ud800"'),
    ("application/json", b'{"submissions":' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ("application/json", b'{"submissions": [{"id": 1, "data": {"x": ' + b"9" * 5000 + b"}}]}"),
    ("application/json", b'{"answers": ' + b'{"a":' * 40 + b"1" + b"}" * 41),
    ("application/x-www-form-urlencoded", b"label=%00%ff&expires=yesterday&max=-5&comment=" + b"c" * 3000),
    ("multipart/form-data; boundary=xx", b"--xx\r\nContent-Disposition: form-data; name=file\r\n\r\n--"),
    ("text/plain", b"\xff\xfe\x00"),
]


def _cases():
    for endpoint, method, url, _ in ROUTES:
        if method == "GET":
            for query in JUNK_QUERIES:
                yield pytest.param(method, url + query, None, id=f"{endpoint}-GET-{len(query)}")
        else:
            for index, (kind, body) in enumerate(JUNK_BODIES):
                yield pytest.param(method, url, (kind, body), id=f"{endpoint}-POST-{index}")


@pytest.fixture(scope="module")
def admin(tmp_path_factory, template_database):
    """One signed-in admin for the whole module: junk changes nothing worth isolating."""
    from conftest import Auth, make_app

    client = make_app(tmp_path_factory.mktemp("junk"), template_database).test_client()
    auth = Auth(client)
    auth.login("admin")
    return client, auth.csrf()


@pytest.mark.parametrize(("method", "url", "body"), list(_cases()))
def test_junk_never_causes_a_server_error(admin, method, url, body):
    client, token = admin
    headers = {"X-CSRFToken": token}
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        kind, payload = body
        response = client.post(url, data=payload, headers={**headers, "Content-Type": kind})
    assert response.status_code < 500, f"{method} {url} answered {response.status_code}"


HUGE = int("9" * 401)
HUGER = int("7" * 4000)
LONE = "\ud800"

FEEDBACK = [
    {**ANSWERS, "feel_safe": HUGE},
    {**ANSWERS, "trust_city_act": HUGER, "feel_safe": -HUGE},
    {**ANSWERS, "biggest_difference": LONE, "neighbourhood": "\udfff end", "anything_else": "a\x00b"},
    {**ANSWERS, "age_band": ["age_18_24"], "gender": {"x": 1}, "member_group": None},
    {**ANSWERS, "age_band": [["age_18_24"]], "gender": [{"a": [1]}], "member_group": 7},
    {**ANSWERS, "biggest_concerns": "jobs", "feel_safe": "3", "trust_city_act": True},
    {**ANSWERS, "biggest_concerns": [["jobs"], {"a": 1}, None, 5, LONE], "feel_safe": [3]},
    {**ANSWERS, "feel_safe": math.nan, "trust_city_act": math.inf},
    {**ANSWERS, "feel_safe": -math.inf, "trust_city_act": 1e308, "biggest_difference": 1e-308},
    {**ANSWERS, "biggest_difference": "x" * 300_000},
    {**ANSWERS, "": 1, LONE: 2, "k" * 2000: 3, "biggest_difference": {"nested": [[[[[[LONE]]]]]]}},
    {**ANSWERS, "age_band": LONE, "gender": '=HYPERLINK("http://x")', "member_group": "x" * 5000},
    {**ANSWERS, "age_band": HUGE, "gender": math.nan, "member_group": 1.5},
    [],
    None,
    "just a string",
    HUGE,
    [{"feel_safe": 3}],
]

SESSION = {
    "session_date": "2026-11-20",
    "district": "likoni",
    "ward": "likoni_ward",
    "venue": "Hall",
    "languages_used": ["sw"],
    "session_type": "youth_group",
    "consent": "yes",
    "women": 3,
    "men": 2,
    "undisclosed": 0,
    "youth": 4,
    "minority_present": "no",
    "concerns": ["jobs"],
    "trust_local_gov": 3,
    "trust_police": 2,
    "feel_safe": 3,
    "follow_up_needed": "no",
    "safeguarding_flag": "no",
}
SESSIONS = [
    {**SESSION, "location": "-4.05 39.66"},
    {**SESSION, "location": {"lat": "x", "lon": None, "alt": LONE, "accuracy": [1]}},
    {**SESSION, "location": [1, 2, 3], "flipchart_photo": {"a": 1}},
    {**SESSION, "location": {"lat": math.nan, "lon": math.inf}},
    {**SESSION, "location": {"lat": HUGE, "lon": -HUGE}},
    {**SESSION, "location": {"lat": -4.05, "lon": 39.66, "alt": math.inf, "accuracy": math.nan}},
    {**SESSION, "location": {"lat": -4.05, "lon": 39.66, "alt": -HUGE, "accuracy": 5}},
    {**SESSION, "networks": {"org_name": "x", "org_type": "ngo"}},
    {**SESSION, "networks": [1, "a", None, [1], LONE]},
    {**SESSION, "networks": [{"org_name": {"a": 1}, "org_type": ["ngo"], "could_partner": {"y": 1}}]},
    {**SESSION, "networks": [{"org_name": LONE, "org_type": HUGE, "could_partner": math.nan}]},
    {**SESSION, "session_date": 20261120, "district": ["likoni"], "ward": {"a": 1}},
    {**SESSION, "session_date": "2026-13-45", "district": LONE, "ward": HUGE},
    {**SESSION, "session_date": [LONE], "district": math.nan, "ward": None},
    {**SESSION, "women": HUGE, "men": -5, "undisclosed": 1.5, "youth": "ten"},
    {**SESSION, "women": math.inf, "men": math.nan, "undisclosed": [1], "youth": {"n": 1}},
    {**SESSION, "women": HUGER, "men": -HUGER, "disabilities": True},
    {**SESSION, "concerns": "jobs", "most_urgent": ["jobs"], "action_plan_areas": {"a": 1}},
    {**SESSION, "concerns": [["jobs"], {"x": 1}, HUGE], "most_urgent": {"x": [1]}},
    {**SESSION, "safeguarding_flag": ["yes"], "follow_up_needed": {"yes": True}, "consent": HUGE},
    {**SESSION, "safeguarding_flag": LONE, "consent": [LONE], "minority_present": math.inf},
    {**SESSION, "trust_police": math.nan, "trust_local_gov": HUGE, "feel_safe": "4"},
    {**SESSION, "languages_used": {"en": 1}, "session_type": [[["youth_group"]]]},
    {**SESSION, "languages_used": [LONE, HUGE, None], "session_type": LONE},
    {**SESSION, "venue": LONE * 3, "quotes": "\ud83d", "group_dynamics": "x" * 100_000},
    {**SESSION, "total_participants": HUGE, "networks": []},
]


def batch(items) -> bytes:
    """JSON as a careless client writes it: NaN and Infinity allowed, surrogates escaped."""
    return json.dumps({"submissions": items}, allow_nan=True).encode()


def records(survey: str, answers: list) -> list[dict]:
    meta = {"started_at": "2026-11-20T10:00:00Z", "app_version": "fuzz"}
    return [
        {"id": str(uuid.uuid4()), "survey": survey, "version": "1", "data": data, "meta": meta}
        for data in answers
    ]


@pytest.fixture(scope="module")
def stored(tmp_path_factory, template_database):
    """One app holding every nasty record: by an account, through a link, and as conflicts."""
    app = make_app(tmp_path_factory.mktemp("nasty"), template_database)
    db = connect(app.config["DATABASE"])
    facilitator = db.execute("SELECT id FROM users WHERE username = 'facilitator'").fetchone()[0]
    token = create_token(db, facilitator, "fuzz")
    db.close()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    sent = records("community_feedback", FEEDBACK) + records("listening_session", SESSIONS)
    sent += records("no_such_survey", [{"a": LONE}]) + [
        {**records("listening_session", [SESSION])[0], "version": "99"}
    ]
    statuses = []
    for start in range(0, len(sent), 10):  # several batches: a poison record would fail its own
        response = client.post("/api/v1/submissions", data=batch(sent[start : start + 10]), headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        statuses += [r["status"] for r in response.json["results"]]
    assert len(statuses) == len(sent)
    # Conflict copies: the same ids, other nasty answers, from the same account.
    copies = [{**item, "data": FEEDBACK[(i + 3) % len(FEEDBACK)]} for i, item in enumerate(sent[:12])]
    response = client.post("/api/v1/submissions", data=batch(copies), headers=headers)
    assert response.status_code == 200
    assert {r["status"] for r in response.json["results"]} <= {"conflict", "duplicate"}
    link = make_link(app)
    through_link = records("community_feedback", FEEDBACK)
    response = client.post(
        f"/api/v1/links/{link.token}/submissions",
        data=batch(through_link),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return app, [item["id"] for item in sent + through_link], link.id


def test_the_validator_quarantines_what_it_cannot_judge_with_a_reason(stored):
    app, ids, _ = stored
    db = connect(app.config["DATABASE"])
    rows = {r["id"]: r for r in db.query("SELECT id, validation, errors FROM submissions")}
    db.close()
    assert set(ids) <= set(rows)  # every record is kept, none blocked its batch
    huge = rows[ids[0]]
    assert huge["validation"] == "quarantined" and "feel_safe" in json.loads(huge["errors"])


def _reader_urls(ids: list[str], link_id: int) -> list[str]:
    urls = [
        "/coordinate/submissions",
        "/coordinate/review",
        "/coordinate/dashboard",
        f"/coordinate/links/{link_id}",
    ]
    for survey in ("community_feedback", "listening_session", "no_such_survey"):
        urls += [
            f"/coordinate/submissions?survey={survey}",
            f"/coordinate/submissions?survey={survey}&q=x",
            f"/coordinate/submissions?survey={survey}&state=received&validation=quarantined",
            f"/coordinate/review?survey={survey}",
            f"/coordinate/dashboard?survey={survey}",
            f"/coordinate/dashboard?survey={survey}&lang=fr",
            f"/api/v1/surveys/{survey}/summary",
        ]
        for fmt in ("csv", "xlsx", "json", "ndjson", "geojson"):
            base = f"/api/v1/surveys/{survey}/submissions.{fmt}"
            urls += [base]
            if fmt in ("csv", "xlsx"):
                urls += [base + "?labels=1", base + "?labels=1&lang=fr"]
    for record_id in ids:
        urls += [f"/coordinate/submissions/{record_id}", f"/coordinate/submissions/{record_id}/correct"]
    return urls


def test_every_coordinator_reader_opens_on_every_nasty_record(stored):
    app, ids, link_id = stored
    client = app.test_client()
    Auth(client).login("coordinator")
    failures = []
    for url in _reader_urls(ids, link_id):
        response = client.get(url)
        body = response.get_data()  # a streamed export must finish, not break half-way
        # A survey that is not installed has no exports or summary (404), but is no 500.
        expected_ok = "no_such_survey" not in url
        if response.status_code >= 500 or (expected_ok and response.status_code != 200):
            failures.append(f"{url[:120]}: {response.status_code} {body[:200]!r}")
    assert not failures, "\n".join(failures)


def _strict(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("survey", ["community_feedback", "listening_session"])
def test_json_exports_stay_strict_json(stored, survey):
    """NaN, Infinity and 1e400 answers must not make the files unreadable to other tools."""
    app, _, _ = stored
    client = app.test_client()
    Auth(client).login("coordinator")
    base = f"/api/v1/surveys/{survey}/submissions"
    assert len(_strict(client.get(base + ".json").text)) > 5
    assert all(_strict(line) for line in client.get(base + ".ndjson").text.splitlines())
    _strict(client.get(base + ".geojson").text)


def test_the_facilitators_own_list_opens(stored):
    app, _, _ = stored
    client = app.test_client()
    Auth(client).login("facilitator")
    for url in ("/my/submissions", "/my/submissions?survey=listening_session", "/"):
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"


@pytest.mark.parametrize(
    "body",
    [
        b'{"submissions":' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"submissions": [{"id": "x", "data": ' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}]}",
        b'{"submissions": [{"data": {"feel_safe": ' + b"9" * 5000 + b"}}]}",
    ],
    ids=["nested-1000", "answers-nested-900", "int-5000-digits"],
)
def test_bodies_no_reader_could_handle_are_a_clear_400(client, token_for, body):
    response = client.post(
        "/api/v1/submissions",
        data=body,
        headers={"Authorization": f"Bearer {token_for('facilitator')}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json["ok"] is False
    assert "nested" in response.json["error"] or "number" in response.json["error"]


def test_a_poison_record_is_quarantined_and_the_good_ones_behind_it_arrive(client, token_for, db):
    """A 401-digit answer failed its whole batch on every retry (OverflowError)."""
    good, poison, also_good = records(
        "community_feedback", [ANSWERS, {**ANSWERS, "feel_safe": HUGE}, ANSWERS]
    )
    response = client.post(
        "/api/v1/submissions",
        data=batch([good, poison, also_good]),
        headers={"Authorization": f"Bearer {token_for('facilitator')}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["stored", "quarantined", "stored"]
    assert "feel_safe" in response.json["results"][1]["errors"]
    kept = db.execute("SELECT data FROM submissions WHERE id = ?", [poison["id"]]).fetchone()[0]
    assert json.loads(kept)["feel_safe"] == HUGE  # kept exactly as sent


@pytest.mark.parametrize(
    "answers",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 40 + "1" + "}" * 40,
        '{"feel_safe": ' + "9" * 5000 + "}",
        '{"biggest_difference": "cut \\ud800"}',  # the derived index could not read it back
    ],
    ids=["nested-1000", "nested-40", "int-5000-digits", "lone-surrogate"],
)
def test_a_correction_no_reader_could_handle_is_a_clear_400(stored, answers):
    app, ids, _ = stored
    client = app.test_client()
    Auth(client).login("coordinator")
    page = client.get(f"/coordinate/submissions/{ids[0]}/correct")
    token = csrf_from(page.text)
    response = client.post(
        f"/coordinate/submissions/{ids[0]}/correct", data={"csrf_token": token, "answers": answers}
    )
    assert response.status_code == 400
