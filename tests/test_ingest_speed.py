"""The shortcuts taken for sync speed give exactly what the plain code gave.

Each one replaced work done per record (a hash payload encoded a second time, a PRAGMA per
definition lookup, a walk of every question for file answers, a tuple per answer for the
depth check); these tests pin that the results did not change.
"""

from __future__ import annotations

import json
import uuid

import pytest

from survey_app.attachments.media import file_answers
from survey_app.surveys.registry import get_definition
from survey_app.sync.envelope import depth
from survey_app.sync.ingest import _stored_data, canonical, content_hash

CASES = [
    {"a": 1, "b": [1, 2, {"c": "x"}]},
    {"name": "Amani Wanjiru", "note": "Ça va — ndiyo, مرحبا 👋🏽", "n": 3.5},
    {"control": "tab\there\x01", "quote": 'say "hi"', "slash": "a\\b"},
    {"broken": "\ud800 half an emoji"},
    {"zero": [], "none": None, "flag": True},
    None,
    [],
]


@pytest.mark.parametrize("data", CASES)
@pytest.mark.parametrize(
    ("survey", "version"), [("listening_session", "1"), ("fête", "v2 é"), ("s", "\udc00")]
)
def test_stored_text_and_hash_are_the_plain_ones(data, survey, version):
    item = {"id": str(uuid.uuid4()), "survey": survey, "version": version, "data": data}
    text, digest = _stored_data(item)
    assert text == canonical(data)
    assert digest == content_hash(item)


def test_depth_counts_the_same_levels():
    assert depth(1) == 0
    assert depth("text") == 0
    assert depth([]) == 1
    assert depth({}) == 1
    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth([[[]], [], {"x": {"y": 2}}]) == 3
    nested: list = []
    for _ in range(200):
        nested = [nested, {"k": 1}]
    assert depth(nested) == 201


def test_a_record_too_deep_is_still_refused(client, token_for):
    deep: dict = {"v": 1}
    for _ in range(40):
        deep = {"v": deep}
    body = {
        "submissions": [
            {"id": str(uuid.uuid4()), "survey": "listening_session", "version": "1", "data": deep}
        ]
    }
    response = client.post(
        "/api/v1/submissions",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token_for('facilitator')}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.get_data(as_text=True)


def test_file_answers_in_scopes_and_repeats(db):
    definition = {
        "questions": [
            {"type": "image", "name": "photo"},
            {"type": "text", "name": "t"},
            {
                "type": "group",
                "name": "g",
                "questions": [
                    {"type": "audio", "name": "voice"},
                    {
                        "type": "repeat",
                        "name": "r",
                        "questions": [{"type": "file", "name": "doc"}, {"type": "text", "name": "x"}],
                    },
                    {"type": "repeat", "name": "plain", "questions": [{"type": "text", "name": "y"}]},
                ],
            },
        ],
        "choice_lists": {},
    }
    data = {
        "photo": "a.jpg",
        "t": "b.jpg",
        "voice": "",
        "r": [{"doc": "c.pdf"}, "not an entry", {"x": "d.pdf"}, {"doc": "e.pdf"}],
        "plain": [{"y": "f.jpg"}],
    }
    found = sorted(file_answers(definition, data))
    assert found == [("photo", "a.jpg"), ("r[0].doc", "c.pdf"), ("r[3].doc", "e.pdf")]
    assert file_answers({"questions": [{"type": "text", "name": "t"}], "choice_lists": {}}, data) == []
    assert file_answers(definition, "not answers") == []


def test_definitions_are_told_apart_by_database_file(tmp_path, template_database):
    """The file behind a connection is asked once; two databases never share a cache entry."""
    import shutil

    from survey_app.db import connect

    first, second = tmp_path / "one.db", tmp_path / "two.db"
    shutil.copy(template_database, first)
    shutil.copy(template_database, second)
    a, b = connect(str(first)), connect(str(second))
    try:
        one = get_definition(a, "listening_session", "1")
        two = get_definition(b, "listening_session", "1")
        assert one is not two  # each file's own copy, though their texts are equal
        assert one == two
        assert get_definition(a, "listening_session", "1") is one
        assert get_definition(b, "listening_session", "1") is two
    finally:
        a.close()
        b.close()


def test_the_background_indexer_stands_back_while_records_arrive_but_not_for_long():
    from survey_app.records.derived_index import MAX_LAG_S, QUIET_S, stand_back

    assert not stand_back(100.0, None, None)  # records from before it started: index them
    assert stand_back(100.0, arrived_at=99.9, waiting_since=99.0)  # a sync is under way
    assert not stand_back(100.0, arrived_at=100.0 - QUIET_S, waiting_since=99.0)  # quiet again
    assert not stand_back(100.0, arrived_at=99.9, waiting_since=100.0 - MAX_LAG_S)  # waited enough
