"""The sync envelope's fast path takes only what marshmallow's schema takes, unchanged.

``plainly_valid`` exists for speed (bench/bench_ingest.py); the schema stays the judge of
everything doubtful and the author of every message. So for each awkward item: either the
fast path defers (None), or it returns exactly what the schema loads.
"""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from survey_app.errors import BadRequest
from survey_app.sync.envelope import ITEM_SCHEMA, parse_batch, plainly_valid

UUID = "0b3a4c2e-1d5f-4a6b-8c7d-9e0f1a2b3c4d"
BASE = {"id": UUID, "survey": "listening_session", "version": "1", "data": {"venue": "hall"}}

AWKWARD = [
    BASE,
    {**BASE, "meta": {"device_id": "p1"}},
    {**BASE, "meta": None},
    {**BASE, "meta": []},
    {**BASE, "data": None},
    {k: v for k, v in BASE.items() if k != "data"},
    {**BASE, "extra": [1, 2], "more": None},
    {**BASE, "id": UUID.upper()},
    {**BASE, "id": "{" + UUID + "}"},
    {**BASE, "id": "urn:uuid:" + UUID},
    {**BASE, "id": UUID.replace("-", "")},
    {**BASE, "id": "0b3a4c2e-1d5f-4a6b-8c7d-9e0f1a2b3c4g"},
    {**BASE, "id": 12},
    {**BASE, "id": None},
    {**BASE, "survey": ""},
    {**BASE, "survey": "s" * 64},
    {**BASE, "survey": "s" * 65},
    {**BASE, "survey": 3},
    {**BASE, "version": 1},
    {**BASE, "version": ""},
    {**BASE, "version": "v" * 65},
    {**BASE, "version": True},
    {"id": UUID},
    {},
]


def schema_load(item: dict):
    try:
        record = ITEM_SCHEMA.load(item)
    except ValidationError as exc:
        return ("refused", exc.messages)
    record["id"] = record["id"].lower()
    return record


@pytest.mark.parametrize("item", AWKWARD, ids=[str(i) for i in range(len(AWKWARD))])
def test_the_fast_path_defers_or_agrees_with_the_schema(item: dict) -> None:
    fast = plainly_valid(item)
    if isinstance(schema_load(item), tuple):
        assert fast is None, "the fast path took an item the schema refuses"
    if fast is not None:
        assert fast == schema_load(item)


def test_the_fast_path_takes_a_phones_plain_records() -> None:
    assert plainly_valid(BASE) == {**BASE, "meta": {}}
    assert plainly_valid({**BASE, "meta": {"a": 1}, "x": 2}) == {**BASE, "meta": {"a": 1}, "x": 2}


def test_the_fast_path_never_changes_the_item_it_was_given() -> None:
    item = dict(BASE)
    plainly_valid(item)["data"] = "changed"
    assert item == BASE


@pytest.mark.parametrize(
    "item",
    [{**BASE, "id": 12}, {**BASE, "survey": ""}, {**BASE, "meta": None}, {"id": UUID}],
)
def test_what_the_fast_path_defers_still_gets_the_schemas_message(item: dict) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_batch({"submissions": [BASE, item]}, 50)
    assert raised.value.errors["submissions"]["1"] == schema_load(item)[1]


def test_a_batch_of_mixed_items_loads_as_the_schema_loads_each() -> None:
    items = [BASE, {**BASE, "id": UUID.upper(), "meta": {"m": 1}}, {**BASE, "x": 1}]
    assert parse_batch({"submissions": items}, 50) == [schema_load(item) for item in items]


@pytest.mark.parametrize(
    "body", [{}, {"submissions": "no"}, {"submissions": None}, {"submissions": {"a": 1}}]
)
def test_a_batch_without_a_list_gets_the_schemas_message(body: dict) -> None:
    with pytest.raises(BadRequest) as raised:
        parse_batch(body, 50)
    assert "submissions" in raised.value.errors
