"""A draft keeps the form version it was started on, even after a new version is published."""

from __future__ import annotations

import json

from conftest import browser_login
from support_offline import store_call, wait_for_worker, wait_saved

from survey_app.surveys.registry import get_definition, publish


def test_a_draft_started_on_v1_is_resumed_and_finalised_as_v1(app, phone, live_server, db):
    page = phone.new_page()
    browser_login(page)
    wait_for_worker(page)
    page.goto("/forms/community_feedback")
    record_id = page.input_value("input[name=_id]")
    page.check("input[name=gender][value=woman]")
    wait_saved(page)

    newer = json.loads(json.dumps(get_definition(db, "community_feedback")))
    newer["version"] = "2"
    publish(db, newer, source="test")

    page.goto(f"/forms/community_feedback?draft={record_id}")
    page.wait_for_function("id => document.querySelector('input[name=_id]').value === id", arg=record_id)
    page.wait_for_function("() => document.querySelector('form.survey-form').dataset.version === '1'")
    assert "version=1" in page.url
    assert page.is_checked("input[name=gender][value=woman]")
    page.check("input[name=age_band][value=age_25_35]")
    wait_saved(page)
    saved = store_call(page, "get", record_id)
    assert saved["version"] == "1"
    assert saved["data"]["age_band"] == "age_25_35"
