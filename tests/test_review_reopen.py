"""Correcting a record in its own form page: prefilled (repeats too), validated as a sync,
saved with the original kept; the no-JavaScript path posts the same page."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from support_coordinators import item, send, session
from werkzeug.datastructures import MultiDict

from survey_app.capture.formdata import form_answers
from survey_app.capture.prefill import form_values, unshown
from survey_app.surveys.registry import get_definition


@pytest.fixture
def facilitator_token(token_for):
    return token_for("facilitator")


class FormFields(HTMLParser):
    """What a browser without JavaScript posts for the page's survey form."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.types: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._template = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "survey-form" in (a.get("class") or ""):
            self._in_form = True
        if tag == "template":
            self._template += 1
        if not self._in_form or self._template or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            self.types[a["name"]] = a.get("type") or "text"
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "template":
            self._template -= 1
        if tag == "form":
            self._in_form = False


def fields_of(html: str) -> FormFields:
    parser = FormFields()
    parser.feed(html)
    return parser


def replaced(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in fields]


def test_the_form_opens_with_the_answers_and_saves_a_correction_without_javascript(
    client, auth, db, facilitator_token
):
    sent = session(3, women="twelve")
    record = item(sent)
    assert send(client, facilitator_token, [record])[0]["status"] == "quarantined"
    auth.login("coordinator")
    detail = client.get(f"/coordinate/submissions/{record['id']}").text
    assert f"/coordinate/submissions/{record['id']}/edit" in detail

    page = client.get(f"/coordinate/submissions/{record['id']}/edit")
    assert page.status_code == 200 and f'data-correction="{record["id"]}"' in page.text
    form = fields_of(page.text)
    posted = dict(form.fields)
    assert posted["venue"] == "Hall 3" and posted["networks__count"] == "2"
    assert posted["networks[1].org_name"] == "Mama Lishe Group"
    assert posted["women"] == "twelve" and form.types["women"] == "text", "shown, not blanked"
    assert posted["men"] == str(sent["men"]) and form.types["men"] == "number"
    assert ("languages_used", "swahili") in form.fields and ("languages_used", "english") in form.fields
    assert 'role="alert"' in page.text, "why it was quarantined, beside its question"

    still_wrong = client.post(f"/coordinate/submissions/{record['id']}/edit", data=MultiDict(form.fields))
    assert still_wrong.status_code == 400 and 'data-correction="' in still_wrong.text
    assert (
        json.loads(db.execute("SELECT data FROM submissions WHERE id = ?", [record["id"]]).fetchone()[0])
        == sent
    )

    fixed = replaced(replaced(form.fields, "women", "5"), "_comment", "Facilitator confirmed 5 women")
    response = client.post(f"/coordinate/submissions/{record['id']}/edit", data=MultiDict(fixed))
    assert response.status_code == 302, response.text
    data, validation, errors = db.execute(
        "SELECT data, validation, errors FROM submissions WHERE id = ?", [record["id"]]
    ).fetchone()
    assert validation == "valid" and errors is None
    total = 5 + sent["men"] + sent["undisclosed"]  # a calculation, recomputed as on the phone
    expected = dict(sent, women=5, total_participants=total)
    assert json.loads(data) == expected, "every other answer, repeats included, as sent (same order)"
    original, comment = db.execute(
        "SELECT original_data, comment FROM submission_corrections WHERE submission_id = ?", [record["id"]]
    ).fetchone()
    assert json.loads(original) == sent and comment == "Facilitator confirmed 5 women"
    event = db.execute(
        "SELECT action, from_state, to_state FROM review_events WHERE submission_id = ?", [record["id"]]
    ).fetchone()
    assert event == ("correction", "quarantined", "valid")
    shown = client.get(f"/coordinate/submissions/{record['id']}").text
    assert "Facilitator confirmed 5 women" in shown and "twelve" in shown, "the correction and the original"
    assert "Changed: total_participants, women" in shown


def test_add_another_without_javascript_keeps_the_edits(client, auth, facilitator_token):
    record = item(session(3, women="twelve"))
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    form = fields_of(client.get(f"/coordinate/submissions/{record['id']}/edit").text)
    more = replaced(form.fields, "venue", "Chief's camp") + [("_add_repeat", "networks")]
    page = client.post(f"/coordinate/submissions/{record['id']}/edit", data=MultiDict(more))
    assert page.status_code == 200
    again = dict(fields_of(page.text).fields)
    assert again["networks__count"] == "3" and again["venue"] == "Chief's camp"


def test_a_facilitator_cannot_reopen_a_record(client, auth, db, facilitator_token):
    record = item(session(3, women="twelve"))
    send(client, facilitator_token, [record])
    auth.login("facilitator")
    assert client.get(f"/coordinate/submissions/{record['id']}/edit").status_code == 403
    token = auth.csrf()
    response = client.post(
        f"/coordinate/submissions/{record['id']}/edit", data={"csrf_token": token, "women": "5"}
    )
    assert response.status_code == 403
    assert db.execute("SELECT count(*) FROM submission_corrections").fetchone()[0] == 0


def test_unknown_or_non_object_records(client, auth, db, facilitator_token):
    auth.login("coordinator")
    assert client.get("/coordinate/submissions/nope/edit").status_code == 404
    record = item(["not", "an", "object"])
    assert send(client, facilitator_token, [record])[0]["status"] == "quarantined"
    auth.login("coordinator")
    response = client.get(f"/coordinate/submissions/{record['id']}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/correct")


def test_a_long_comment_is_a_clear_400(client, auth, facilitator_token):
    record = item(session(3, women="twelve"))
    send(client, facilitator_token, [record])
    auth.login("coordinator")
    form = fields_of(client.get(f"/coordinate/submissions/{record['id']}/edit").text)
    response = client.post(
        f"/coordinate/submissions/{record['id']}/edit",
        data=MultiDict(replaced(form.fields, "_comment", "x" * 3000)),
    )
    assert response.status_code == 400


def test_prefill_reads_back_to_the_same_answers(app, db):
    definition = get_definition(db, "listening_session", "1")
    for n in range(6):
        data = session(n)
        with app.test_request_context():
            assert form_answers(definition, form_values(definition, data)) == data
    assert unshown(definition, dict(session(1), stray="kept in the original")) == ["stray"]
