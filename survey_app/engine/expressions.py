"""XLSForm expressions: parsed once on the server, evaluated identically in Python and JS.

Why a syntax tree: the phone must apply skip logic and constraints offline, and the server
must re-check them on submission. Parsing once (here) into JSON and walking that JSON in two
small evaluators (``expr_eval.py`` and ``static/js/expressions.js``) keeps the two sides in
lock-step; ``tests/data/expression_vectors.json`` is run through both to prove it.

Usage::

    ast = parse("${age} >= 18 and selected(${consent}, 'yes')")
    references(ast)                              # {'age', 'consent'}
    evaluate(ast, EvalContext(answers={"age": 30, "consent": "yes"}))   # True

Syntax tree (every node is a JSON object with exactly one of these shapes)::

    {"num": 3}                     number literal (int, or float when written with ".")
    {"str": "yes"}                 string literal, 'single' or "double" quoted, no escapes
    {"ref": "age"}                 ${age}: the answer, or None when unanswered
    {"self": true}                 .  (the value being constrained)
    {"col": "district"}            bare name, only in choice_filter (parse(allow_columns=True))
    {"op": OP, "args": [a, b]}     OP: or and = != < <= > >= + - * div mod
    {"op": "neg", "args": [a]}     unary minus
    {"fn": NAME, "args": [...]}    function call, NAME in FUNCTIONS (e.g. "jr:choice-name")

Special forms: ``position(..)`` is ``{"fn": "position", "args": []}``; the argument of
``count()``/``sum()`` (and a bare ``${q}`` argument of ``min()``/``max()``) is a ``ref`` read
as a node-set across repeat instances; ``jr:choice-name(v, '${q}')`` stores its second
argument as ``{"ref": "q"}`` whose *name* (not value) is used.

Semantics (XPath 1.0 with ODK's conventions):

* Unanswered is '' as text and NaN as a number, so ``${q} = ''`` is true when unanswered.
* ``=``/``!=``: with a boolean operand compare truthiness; else with a number operand compare
  numbers; else compare text. ``<``/``<=``/``>``/``>=`` compare numbers, except that two
  non-empty non-numeric texts compare by code point (``'10:30' < '12:00'``).
* Text in number context: decimal numerals (no exponent), and ISO dates/datetimes as days
  since 1970-01-01 (UTC when no offset), so ``today() - ${dob}`` is an age in days.
* ``div`` by zero gives ±Infinity or NaN; ``mod`` is the truncating remainder; ``int()``
  truncates; ``round()`` rounds half away from zero; ``selected-at()`` is 0-based.
* ``sum()``/``min()``/``max()`` skip unanswered values; ``coalesce()`` skips '' and NaN;
  ``position(..)`` outside a repeat is NaN; ``count()`` of a name not in ``repeats`` is 0.
* ``regex()`` is a search (anchor with ^...$) with ASCII ``\\d``/``\\w``; keep patterns to
  the syntax Python and JavaScript share. An invalid pattern is false at run time (and a
  literal one is rejected by the parser).
* Numbers print like JavaScript's ``String(n)``: 3, 2.5, NaN, Infinity.
"""

from __future__ import annotations

from .expr_eval import EvalContext, evaluate, to_number, to_string, truthy
from .expr_parser import FUNCTIONS, ExpressionError, parse, references

__all__ = [
    "FUNCTIONS",
    "EvalContext",
    "ExpressionError",
    "evaluate",
    "parse",
    "references",
    "to_number",
    "to_string",
    "truthy",
]
