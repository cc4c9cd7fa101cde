"""The Python expression parser and evaluator, against the vectors shared with the JS twin."""

from __future__ import annotations

import json
import math
import re
from collections import ChainMap
from pathlib import Path
from typing import Any

import pytest

from survey_app.engine.expressions import (
    FUNCTIONS,
    EvalContext,
    ExpressionError,
    evaluate,
    parse,
    references,
    to_number,
    to_string,
    truthy,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "expression_vectors.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]
SPECIAL_NUMBERS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
OPERATORS = {"or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "neg"}


def same_value(expected: Any, actual: Any) -> bool:
    """Vector equality: types must match, numbers within 1e-9, 'NaN' etc. name numbers."""
    if isinstance(expected, str) and expected in SPECIAL_NUMBERS:
        if not isinstance(actual, int | float) or isinstance(actual, bool):
            return False
        want = SPECIAL_NUMBERS[expected]
        return math.isnan(actual) if math.isnan(want) else actual == want
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    if isinstance(expected, int | float):
        return (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and math.isfinite(actual)
            and abs(actual - expected) <= 1e-9 * max(1.0, abs(expected))
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same_value(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return type(actual) is type(expected) and actual == expected


def make_context(case: dict[str, Any]) -> EvalContext:
    labels = VECTORS["choice_labels"]
    return EvalContext(
        answers=case.get("answers", {}),
        self=case.get("self"),
        position=case.get("position"),
        repeats=case.get("repeats", {}),
        choice=case.get("choice"),
        choice_label=lambda name, value: labels.get(name, {}).get(value),
        today=VECTORS["context"]["today"],
        now=VECTORS["context"]["now"],
        tz_offset=case.get("tz", 0),
        instances=VECTORS["instances"],
    )


def parse_case(case: dict[str, Any]) -> dict[str, Any]:
    return parse(case["expr"], allow_columns="choice" in case)


def case_id(case: dict[str, Any]) -> str:
    return re.sub(r"\s+", " ", case["expr"])[:60]


def walk(node: dict[str, Any]):
    yield node
    for child in node.get("args", ()):
        yield from walk(child)


# -- the shared vectors -------------------------------------------------------------------------


def test_vector_file_is_big_enough_and_well_formed() -> None:
    assert len(CASES) >= 80
    allowed = {"expr", "answers", "self", "position", "repeats", "choice", "expected", "note", "tz"}
    for case in CASES:
        assert {"expr", "expected"} <= case.keys() <= allowed, case
    assert len(VECTORS["invalid"]) >= 20


def test_vectors_cover_every_function_and_operator() -> None:
    nodes = [n for case in CASES for n in walk(parse_case(case))]
    used = {n["fn"] for n in nodes if "fn" in n} | {"instance" for n in nodes if "lookup" in n}
    assert set(FUNCTIONS) - used == set()
    assert OPERATORS - {n["op"] for n in nodes if "op" in n} == set()
    for shape in ("num", "str", "ref", "self", "col"):
        assert any(shape in n for n in nodes), shape


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_python_evaluator_matches_vector(case: dict[str, Any]) -> None:
    ast = parse_case(case)
    assert json.loads(json.dumps(ast)) == ast, "syntax tree must survive JSON unchanged"
    actual = evaluate(ast, make_context(case))
    assert same_value(case["expected"], actual), (
        f"{case['expr']!r} gave {actual!r}, expected {case['expected']!r}"
    )


@pytest.mark.parametrize("source", VECTORS["invalid"], ids=lambda s: s[:40] or "<empty>")
def test_invalid_expressions_raise(source: str) -> None:
    with pytest.raises(ExpressionError, match="position"):
        parse(source)


# -- parser details -----------------------------------------------------------------------------


def test_syntax_tree_shapes() -> None:
    assert parse("${age} >= 18 and selected(${c}, 'yes')") == {
        "op": "and",
        "args": [
            {"op": ">=", "args": [{"ref": "age"}, {"num": 18}]},
            {"fn": "selected", "args": [{"ref": "c"}, {"str": "yes"}]},
        ],
    }
    assert parse("-.5 * .") == {
        "op": "*",
        "args": [{"op": "neg", "args": [{"num": 0.5}]}, {"self": True}],
    }
    assert parse("position(..)") == {"fn": "position", "args": []}
    assert parse("jr:choice-name(${d}, '${d}')")["args"][1] == {"ref": "d"}
    assert parse("district = 'x'", allow_columns=True)["args"][0] == {"col": "district"}


def test_error_messages_name_the_problem_and_position() -> None:
    with pytest.raises(ExpressionError) as err:
        parse("${a} + fooo(1)")
    assert err.value.position == 7
    assert "Unknown function 'fooo' at position 8" in str(err.value)
    with pytest.raises(ExpressionError, match=r"selected\(\) takes 2 arguments, got 1"):
        parse("selected(${q})")
    with pytest.raises(ExpressionError, match=r"write \$\{consent\}"):
        parse("consent = 'yes'")
    with pytest.raises(ExpressionError, match="Unterminated string at position 8"):
        parse("${a} = 'yes")
    with pytest.raises(ExpressionError, match="end of expression"):
        parse("(1 + 2")


def test_expression_error_is_a_value_error() -> None:
    assert issubclass(ExpressionError, ValueError)
    with pytest.raises(ValueError):
        parse(None)  # type: ignore[arg-type]


def test_references_lists_questions_and_repeats() -> None:
    ast = parse(
        "if(selected(${a}, 'x'), count(${rep}) + sum(${q}), jr:choice-name(${b}, '${c}')) "
        "and . > 0 and position(..) = 1"
    )
    assert references(ast) == {"a", "rep", "q", "b", "c"}
    assert references(parse("today()")) == set()
    assert references(parse("district = ${d}", allow_columns=True)) == {"d"}


# -- evaluator details --------------------------------------------------------------------------


def test_repeat_scope_reads_instance_before_outer_answers() -> None:
    ast = parse("concat(${name}, '/', ${village})")
    scope = ChainMap({"name": "member"}, {"name": "head", "village": "Likoni"})
    assert evaluate(ast, EvalContext(answers=scope)) == "member/Likoni"


def test_choice_label_receives_question_name_and_value() -> None:
    calls: list[tuple[str, str]] = []

    def label(name: str, value: str) -> str:
        calls.append((name, value))
        return value.upper()

    ast = parse("jr:choice-name(${ward}, '${ward}')")
    assert evaluate(ast, EvalContext(answers={"ward": "kisauni"}, choice_label=label)) == "KISAUNI"
    assert calls == [("ward", "kisauni")]
    # Without a label source the value itself is shown rather than nothing.
    assert evaluate(ast, EvalContext(answers={"ward": "kisauni"})) == "kisauni"


def test_today_and_now_default_to_the_clock() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", evaluate(parse("today()")))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", evaluate(parse("now()")))
    assert evaluate(parse("now() >= today()")) is True


def test_malformed_tree_raises_expression_error() -> None:
    with pytest.raises(ExpressionError):
        evaluate({"bogus": 1})
    with pytest.raises(ExpressionError):
        evaluate({"fn": "eval", "args": []})
    with pytest.raises(ExpressionError):
        evaluate({"op": "**", "args": [{"num": 1}, {"num": 2}]})


def test_odd_answer_types_never_raise() -> None:
    ast = parse("${x} + 1 > 0 or selected(${x}, 'a') or regex(${x}, 'a') or ${x} < 'b'")
    for value in ({"unrelated": 1}, [None, 3], 10**400, "", "  ", object()):
        evaluate(ast, EvalContext(answers={"x": value}))


def test_coercion_helpers() -> None:
    assert [truthy(v) for v in (True, False, 1, 0, math.nan, "x", "", None, [], ["a"])] == [
        True, False, True, False, False, True, False, False, False, True,
    ]  # fmt: skip
    assert to_string(3.0) == "3" and to_string(1e-7) == "1e-7" and to_string(None) == ""
    assert math.isnan(to_number("")) and to_number(" 4.50 ") == 4.5
    assert to_number("1970-01-11") == 10
