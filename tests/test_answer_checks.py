"""Each question's compiled answer check says exactly what ``check_value`` says.

``answer_check`` adds fast paths for the answers phones send (bench/bench_ingest.py); a fast
path that let through one answer ``check_value`` refuses would quarantine less than before.
So every kind, with and without its options, meets the same battery of awkward answers.
"""

from __future__ import annotations

import math

import pytest

from survey_app.surveys.answer_checks import MAX_SAFE_INTEGER, answer_check, check_value

DEFINITION = {"choice_lists": {"yn": [{"name": "yes"}, {"name": "no"}, {"name": "1"}]}}

QUESTIONS = [
    {"type": "text", "name": "t"},
    {"type": "text", "name": "t", "max_length": 5},
    {"type": "text", "name": "t", "min_length": 2, "max_length": 4},
    {"type": "text", "name": "t", "max_length": None},
    {"type": "text", "name": "t", "max_length": "5"},
    {"type": "integer", "name": "i"},
    {"type": "integer", "name": "i", "min": 0, "max": 1000},
    {"type": "integer", "name": "i", "min": 0.5, "max": 10.5},
    {"type": "integer", "name": "i", "min": "0"},
    {"type": "integer", "name": "i", "min": math.nan},
    {"type": "decimal", "name": "d"},
    {"type": "decimal", "name": "d", "min": -1.5, "max": 2},
    {"type": "range", "name": "r", "range": {"start": 1, "end": 5}},
    {"type": "range", "name": "r", "range": {"start": 10, "end": 0, "step": 2.5}},
    {"type": "range", "name": "r", "range": {"start": 0, "end": 1, "step": 0.1}},
    {"type": "range", "name": "r", "range": {"start": 1, "end": 5}, "min": 2},
    {"type": "date", "name": "day"},
    {"type": "date", "name": "day", "min": "2026-01-01"},
    {"type": "select_one", "name": "s", "choices": "yn"},
    {"type": "select_one", "name": "s", "choices": "yn", "or_other": True},
    {"type": "select_multiple", "name": "m", "choices": "yn"},
    {"type": "select_multiple", "name": "m", "choices": "yn", "or_other": True},
    {"type": "geopoint", "name": "g"},
    {"type": "time", "name": "clock"},
    {"type": "image", "name": "photo"},
    {"type": "note", "name": "n"},
]

ANSWERS = [
    "",
    "a",
    "abcd",
    "abcdef",
    "yes",
    "no",
    "other",
    "1",
    "2026-11-20",
    "2026-02-30",
    "2026-11-20T10:00",
    "20261120",
    "10:30",
    "photo.jpg",
    "../etc",
    0,
    1,
    2,
    3,
    -1,
    7,
    12,
    1000,
    1001,
    2.5,
    0.3,
    0.30000000000000004,
    -1.5,
    True,
    False,
    None,
    MAX_SAFE_INTEGER,
    MAX_SAFE_INTEGER + 1,
    -(MAX_SAFE_INTEGER + 1),
    10**400,
    math.nan,
    math.inf,
    -math.inf,
    [],
    ["yes"],
    ["yes", "no"],
    ["yes", "yes"],
    ["maybe"],
    ["other"],
    ["yes", 1],
    [{"a": 1}],
    [["yes"]],
    {"lat": 1, "lon": 2},
    {"yes": 1},
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q['type']}-{sorted(q)}")
def test_the_compiled_check_gives_check_values_message_for_every_answer(question: dict) -> None:
    names = {c["name"] for c in DEFINITION["choice_lists"]["yn"]}
    names |= {"other"} if question.get("or_other") else set()
    allowed = frozenset(names) if question.get("choices") else frozenset()
    check = answer_check(DEFINITION, question, allowed)
    for answer in ANSWERS:
        try:
            expected = check_value(DEFINITION, question, answer, allowed)
        except Exception as exc:  # noqa: BLE001 - then the compiled check must fail alike
            with pytest.raises(type(exc)):
                check(answer)
            continue
        assert check(answer) == expected, (question, answer)


def test_the_fast_paths_take_what_phones_send() -> None:
    text = answer_check(DEFINITION, {"type": "text", "name": "t", "max_length": 5}, frozenset())
    whole = answer_check(DEFINITION, {"type": "integer", "name": "i", "min": 0, "max": 9}, frozenset())
    assert text("abc") is None and text("abcdef") == {"code": "max_length", "params": {"n": 5}}
    assert whole(3) is None and whole(10)["code"] == "max" and whole(2.5)["code"] == "integer"
