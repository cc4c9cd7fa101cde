"""Compiled expressions (engine/expr_compile.py) give exactly what the interpreter gives.

The validation plans run expressions as compiled closures; the phone and the shared
vectors are the interpreter's contract. So every vector runs through both, with the same
context, and the two results must be the same value of the same type.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from test_expressions import CASES, case_id, make_context, parse_case, same_value

from survey_app.engine.expr_compile import compile_condition, compile_tree
from survey_app.engine.expressions import EvalContext, ExpressionError, evaluate, parse, truthy


def identical(a: Any, b: Any) -> bool:
    """Same type and value; NaN equals NaN; lists element by element."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compiled_matches_interpreter_and_vector(case: dict[str, Any]) -> None:
    tree = parse_case(case)
    interpreted = evaluate(tree, make_context(case))
    compiled = compile_tree(tree)(make_context(case))
    assert identical(interpreted, compiled), f"{case['expr']!r}: {interpreted!r} vs {compiled!r}"
    assert same_value(case["expected"], compiled)
    assert compile_condition(tree)(make_context(case)) is truthy(interpreted)


def test_one_compiled_tree_serves_many_contexts() -> None:
    run = compile_tree(parse(". <= ${women} + ${men} and selected(${concerns}, 'jobs')"))
    assert run(EvalContext(answers={"women": 2, "men": 3, "concerns": ["jobs"]}, self=5)) is True
    assert run(EvalContext(answers={"women": 2, "men": 3, "concerns": ["jobs"]}, self=6)) is False
    assert run(EvalContext(answers={"women": 2, "men": 3, "concerns": ["food"]}, self=1)) is False


def test_a_bad_node_fails_only_when_reached_as_in_the_interpreter() -> None:
    untaken = {"fn": "if", "args": [{"num": 1}, {"str": "fine"}, {"fn": "no-such-function", "args": []}]}
    assert compile_tree(untaken)(EvalContext()) == evaluate(untaken, EvalContext()) == "fine"
    for broken in (
        {"fn": "no-such-function", "args": []},
        {"op": "**", "args": [{"num": 1}, {"num": 2}]},
        {"what": 1},
        ["not", "a", "node"],
    ):
        run = compile_tree(broken)  # compiling never raises
        with pytest.raises(ExpressionError):
            evaluate(broken, EvalContext())
        with pytest.raises(ExpressionError):
            run(EvalContext())


def test_a_tree_short_of_arguments_is_left_to_the_interpreter() -> None:
    short = {"op": "+", "args": [{"num": 1}]}
    run = compile_tree(short)
    with pytest.raises(IndexError):
        evaluate(short, EvalContext())
    with pytest.raises(IndexError):
        run(EvalContext())


TEXTS = ["yes", "", " yes ", "1", "1.0", "NaN", "true", "1970"]
TEXTS += ["2026-11-20", " 2026-11-20", "2026-11-20T10:00:00Z"]
VALUES = [None, "", "yes", "Yes", " yes", "1", "1.0", 1, 1.0, 0, True, False, math.nan]
VALUES += [["yes"], ["yes", "no"], [], "2026-11-20", "2026-11-20T00:00:00Z", {"lat": 1, "lon": 2}]


@pytest.mark.parametrize("text", TEXTS)
def test_comparing_with_a_text_literal_is_the_interpreters_comparison(text: str) -> None:
    for op in ("=", "!="):
        for tree in (
            {"op": op, "args": [{"ref": "q"}, {"str": text}]},
            {"op": op, "args": [{"str": text}, {"ref": "q"}]},
        ):
            run = compile_tree(tree)
            for value in VALUES:
                for tz in (0, 180):
                    ctx = EvalContext(answers={"q": value}, tz_offset=tz)
                    assert run(ctx) is evaluate(tree, ctx), (tree, value, tz)
