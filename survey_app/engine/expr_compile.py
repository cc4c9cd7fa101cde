"""Syntax trees turned into Python closures once, for the expressions the server runs most.

Why: the server checks the same few expressions (``relevant``, ``constraint``,
``choice_filter``, calculations) on every record of a version, and walking a tree asks
"which kind of node is this?" of every node, every time. A validation plan
(:mod:`survey_app.surveys.plan`) compiles each tree once into nested closures that only do
the work: read an answer, compare, add. Per record this is several times cheaper.

Semantics are the interpreter's, not a copy of them: the closures call the very coercions
and operators of :mod:`survey_app.engine.expr_eval` (``_equals``, ``_relational``, ``truthy``,
``to_number``...), and every function except the few below is run by the interpreter's own
handler. A malformed node or an unknown function raises :class:`ExpressionError` when it
is reached, as the interpreter does, never at compile time (an untaken ``if()`` branch
must not fail). ``tests/test_expr_compile.py`` runs every shared vector through both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .expr_dates import is_date_text
from .expr_eval import (
    _FUNCTIONS,
    _WS,
    EvalContext,
    _arith,
    _equals,
    _Evaluator,
    _looks_dated,
    _relational,
    _tokens,
    to_number,
    to_string,
    truthy,
)
from .expr_parser import ExpressionError

Compiled = Callable[[EvalContext], Any]


def compile_tree(node: Any) -> Compiled:
    """A closure that returns what ``evaluate(node, ctx)`` returns, for any context.

    A tree of a shape the parser never makes (an operator short of arguments) is left to
    the interpreter whole, so that it fails, or not, exactly where the interpreter would.
    """
    try:
        return _compile(node)
    except (IndexError, KeyError, TypeError):
        return lambda ctx: _Evaluator(ctx).value(node)


def _compile(node: Any) -> Compiled:
    if type(node) is not dict and not isinstance(node, Mapping):
        return _raiser(f"Malformed expression tree: {node!r}")
    if "ref" in node:
        name = node["ref"]
        return lambda ctx: ctx.answers.get(name)
    if "op" in node:
        return _compile_op(node)
    if "num" in node:
        number = node["num"]
        return lambda ctx: number
    if "str" in node:
        text = node["str"]
        return lambda ctx: text
    if "self" in node:
        return lambda ctx: ctx.self
    if "col" in node:
        column = node["col"]
        return lambda ctx: (ctx.choice or {}).get(column)
    if "fn" in node:
        return _compile_function(node)
    if "lookup" in node:
        return lambda ctx: _Evaluator(ctx).value(node)
    return _raiser(f"Malformed expression tree: {node!r}")


def compile_condition(node: Any) -> Callable[[EvalContext], bool]:
    """``truthy(evaluate(node, ctx))`` as one closure (relevant, constraint, filter)."""
    value = compile_tree(node)
    return lambda ctx: truthy(value(ctx))


def _raiser(text: str) -> Compiled:
    def fail(ctx: EvalContext) -> Any:
        raise ExpressionError(text)

    return fail


def _compile_op(node: Mapping[str, Any]) -> Compiled:
    op, args = node["op"], node["args"]
    if op not in _BINARY and op not in ("or", "and", "neg", "+", "-", "*", "div", "mod"):
        return lambda ctx: _Evaluator(ctx).value(node)  # it evaluates both sides, then raises
    first = _compile(args[0])
    if op == "neg":
        return lambda ctx: -to_number(first(ctx), ctx.tz_offset)
    second = _compile(args[1])
    if op == "or":
        return lambda ctx: truthy(first(ctx)) or truthy(second(ctx))
    if op == "and":
        return lambda ctx: truthy(first(ctx)) and truthy(second(ctx))
    if op in ("+", "-", "*", "div", "mod"):
        return lambda ctx: _arith(
            op, to_number(first(ctx), ctx.tz_offset), to_number(second(ctx), ctx.tz_offset)
        )
    if op in ("=", "!="):
        if (text := _plain_text(args[1])) is not None:
            return _text_equality(op, first, text)
        if (text := _plain_text(args[0])) is not None:
            return _text_equality(op, second, text)
    compare = _BINARY[op]
    return lambda ctx: compare(first(ctx), second(ctx), ctx.tz_offset)


def _plain_text(node: Any) -> str | None:
    """A string literal that ``_equals`` compares as text with any text (not a date)."""
    if type(node) is not dict or "str" not in node or not isinstance(node["str"], str):
        return None
    text = node["str"]
    return None if _looks_dated(text) and is_date_text(text.strip()) else text


def _text_equality(op: str, other: Compiled, text: str) -> Compiled:
    """``${q} = 'yes'``, the commonest condition of all: an answer that is text is compared
    as text, as ``_equals`` would (it is symmetric); anything else goes through it."""
    if op == "=":
        return lambda ctx: v == text if type(v := other(ctx)) is str else _equals(v, text, ctx.tz_offset)
    return lambda ctx: v != text if type(v := other(ctx)) is str else not _equals(v, text, ctx.tz_offset)


_BINARY: dict[str, Callable[[Any, Any, int], bool]] = {
    "=": _equals,
    "!=": lambda a, b, tz: not _equals(a, b, tz),
    "<": lambda a, b, tz: _relational("<", a, b, tz),
    "<=": lambda a, b, tz: _relational("<=", a, b, tz),
    ">": lambda a, b, tz: _relational(">", a, b, tz),
    ">=": lambda a, b, tz: _relational(">=", a, b, tz),
}


def _compile_function(node: Mapping[str, Any]) -> Compiled:
    name, args = node["fn"], node["args"]
    handler = _FUNCTIONS.get(name)
    if handler is None:
        return _raiser(f"Unknown function {name!r}")
    # The functions that turn up in nearly every form's skip logic and filters, compiled
    # like the operators; the same expressions as their handlers in expr_eval.py.
    if name == "selected" and len(args) == 2:
        chosen, wanted = _compile(args[0]), _compile(args[1])
        return lambda ctx: to_string(wanted(ctx)).strip(_WS) in _tokens(chosen(ctx))
    if name == "not" and len(args) == 1:
        inner = _compile(args[0])
        return lambda ctx: not truthy(inner(ctx))
    if name == "count-selected" and len(args) == 1:
        inner = _compile(args[0])
        return lambda ctx: len(_tokens(inner(ctx)))
    if name == "if" and len(args) == 3:
        test, then, otherwise = (_compile(a) for a in args)
        return lambda ctx: then(ctx) if truthy(test(ctx)) else otherwise(ctx)
    return lambda ctx: handler(_Evaluator(ctx), args)
