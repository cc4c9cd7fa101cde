"""Python evaluator for expression syntax trees (see :mod:`survey_app.engine.expressions`).

``static/js/expressions.js`` is a line-for-line twin of this module: the server validates a
submission with exactly the skip logic and constraints the phone applied offline. Any change
here must be made there too, and proven by a vector in ``tests/data/expression_vectors.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .expr_dates import XDate, date_to_days, is_date_text
from .expr_parser import ExpressionError

__all__ = ["EvalContext", "evaluate", "to_number", "to_string", "truthy"]

NAN = math.nan
# XPath whitespace, spelled out because Python's and JavaScript's \s disagree on Unicode.
_WS = " \t\n\r"
_WS_SPLIT_RE = re.compile(r"[ \t\n\r]+")
# Decimal numerals, with an exponent as ODK Collect (Java) and Enketo (JavaScript) read them.
_NUMBER_RE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass
class EvalContext:
    """What an expression can see. Plain data so that tests can pin every input.

    ``answers`` holds the current scope: inside a repeat, pass a ``ChainMap`` of the current
    instance's answers then the top-level answers. ``repeats`` maps a repeat name to its
    instances (for ``count()``, ``sum()``, ``min()``, ``max()``). ``today``/``now`` are ISO
    strings, injectable so results are deterministic; ``choice`` is the choice row while a
    ``choice_filter`` is evaluated.
    """

    answers: Mapping[str, Any] = field(default_factory=dict)
    self: Any = None
    position: int | None = None
    repeats: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    choice_label: Callable[[str, str], str | None] | None = None
    today: str | None = None
    now: str | None = None
    choice: Mapping[str, Any] | None = None
    #: The time zone date-only values are read in (minutes east of UTC): ODK reads
    #: '2026-11-27' as local midnight. The phone's own offset; on the server the record's.
    tz_offset: int = 0
    #: Form attachments' rows by instance name, for pulldata() and instance('name').
    instances: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


# -- coercions (XPath 1.0 with the ODK conventions real forms rely on) ------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _format_number(x: float) -> str:
    """Number -> string exactly like JavaScript's ``String(x)``, so both sides print alike."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == int(x) and abs(x) < 2**53:  # exact integers; beyond, JS prints shortest digits
        return str(int(x))
    sign = "-" if x < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    digits = list(digit_tuple)
    exp = int(exponent)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exp += 1
    s = "".join(map(str, digits))
    k = len(s)
    n = k + exp  # value = 0.s * 10**n
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + s
    e = n - 1
    mantissa = s if k == 1 else s[0] + "." + s[1:]
    return f"{sign}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(value: Any) -> str:
    """XPath string(): unanswered is '', a select_multiple is its space-separated names."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _format_number(to_number(value))  # an int past a float's range is Infinity, as in JS
    if isinstance(value, str):
        return value
    if isinstance(value, XDate):
        return value.text()
    if isinstance(value, list | tuple):
        return " ".join(s for s in (to_string(v) for v in value) if s)
    if isinstance(value, Mapping) and "lat" in value and "lon" in value:  # geopoint
        keys = ("lat", "lon", "alt", "accuracy")
        return " ".join(to_string(value[k]) for k in keys if value.get(k) is not None)
    return ""


def _string_to_number(text: str, tz: int = 0) -> float:
    text = text.strip(_WS)
    if _NUMBER_RE.fullmatch(text):
        return float(text)
    return date_to_days(text, tz)


def to_number(value: Any, tz: int = 0) -> float:
    """XPath number(): unanswered and non-numeric text are NaN; ISO dates are days (a
    date-only one at midnight ``tz`` minutes east of UTC)."""
    if value is None:
        return NAN
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, XDate):
        return value.days
    if _is_number(value):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return _string_to_number(to_string(value), tz)


def truthy(value: Any) -> bool:
    """Result of a relevant/constraint: numbers non-zero and not NaN, text non-empty."""
    if isinstance(value, bool):
        return value
    if _is_number(value):
        return not math.isnan(value) and value != 0
    if isinstance(value, XDate):
        return math.isfinite(value.days)
    if isinstance(value, Mapping):
        return True
    return to_string(value) != ""


def _is_empty(value: Any) -> bool:
    return (isinstance(value, float) and math.isnan(value)) or to_string(value) == ""


def _tokens(value: Any) -> list[str]:
    """Choice names of a select_multiple answer: a list, or a space-separated string."""
    if isinstance(value, list | tuple):
        return [s for s in (to_string(v) for v in value) if s]
    return [s for s in _WS_SPLIT_RE.split(to_string(value)) if s]


# -- operators --------------------------------------------------------------------------------


def _dated(a: Any, b: Any) -> bool:
    """A date value on either side, or two texts that both read as dates: compare instants."""
    if isinstance(a, XDate) or isinstance(b, XDate):
        return True
    return (
        isinstance(a, str)
        and isinstance(b, str)
        and _looks_dated(a)
        and _looks_dated(b)
        and is_date_text(a.strip())
        and is_date_text(b.strip())
    )


def _looks_dated(text: str) -> bool:
    """A cheap first test (YYYY-...) before the full date pattern."""
    text = text.lstrip(_WS)
    return len(text) >= 8 and text[4] == "-" and text[:4].isdigit()


def _equals(a: Any, b: Any, tz: int = 0) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return truthy(a) == truthy(b)
    if _is_number(a) or _is_number(b) or _dated(a, b):
        return to_number(a, tz) == to_number(b, tz)
    return to_string(a) == to_string(b)


def _relational(op: str, a: Any, b: Any, tz: int = 0) -> bool:
    """Numbers compare numerically; two non-numeric, non-empty texts (times, other strings)
    compare by code point, which XPath 1.0 cannot do but forms expect; else NaN rules."""
    typed = (bool, XDate)
    if _is_number(a) or _is_number(b) or isinstance(a, typed) or isinstance(b, typed):
        x: Any = to_number(a, tz)
        y: Any = to_number(b, tz)
    else:
        x, y = to_string(a), to_string(b)
        nx, ny = to_number(x, tz), to_number(y, tz)
        if not math.isnan(nx) and not math.isnan(ny):
            x, y = nx, ny
        elif not (x and y and math.isnan(nx) and math.isnan(ny)):
            return False
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _divide(a: float, b: float) -> float:
    if b == 0:
        if math.isnan(a) or a == 0:
            return NAN
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _modulo(a: float, b: float) -> float:
    try:
        return math.fmod(a, b)  # truncating remainder, like XPath mod and JavaScript %
    except ValueError:
        return NAN


def _arith(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "div":
        return _divide(a, b)
    return _modulo(a, b)


def _zero_sign(result: float, x: float) -> float:
    """Give a zero result the sign of x, as JavaScript's Math.floor/ceil/trunc do."""
    return math.copysign(0.0, x) if result == 0 else result


def _int(x: float) -> float:
    return x if not math.isfinite(x) else _zero_sign(float(math.trunc(x)), x)


def _round(x: float, digits: float) -> float:
    """ODK round(): half away from zero, with the same float steps as the JavaScript twin."""
    if math.isnan(digits):
        return NAN
    if not math.isfinite(x):
        return x
    d = int(max(-400.0, min(400.0, digits)))  # truncates; 1e400 is already Infinity
    ax = abs(x)
    if d >= 0:
        m = float(f"1e{d}")
        y = ax * m
        if not math.isfinite(y):
            return x
        r = float(math.floor(y))
        if y - r >= 0.5:
            r += 1
        r = r / m
    else:
        m = float(f"1e{-d}")
        y = ax / m
        r = float(math.floor(y))
        if y - r >= 0.5:
            r += 1
        r = 0.0 if r == 0 else r * m
    return -r if x < 0 else r


# -- evaluation -------------------------------------------------------------------------------


def evaluate(ast: Mapping[str, Any], ctx: EvalContext | None = None) -> Any:
    """Evaluate a syntax tree from :func:`parse`; returns bool, number, string, list or None.

    Raises ExpressionError only for a malformed tree; bad data never raises (it yields NaN,
    '' or false, as in XPath) so a half-filled form cannot crash the server.
    """
    return _Evaluator(ctx or EvalContext()).value(ast)


class _Evaluator:
    def __init__(self, ctx: EvalContext):
        self.ctx = ctx

    def value(self, node: Mapping[str, Any]) -> Any:
        if type(node) is not dict and not isinstance(node, Mapping):  # dict first: it is fast
            raise ExpressionError(f"Malformed expression tree: {node!r}")
        if "ref" in node:
            return self.ctx.answers.get(node["ref"])
        if "op" in node:
            return self.op(node["op"], node["args"])
        if "num" in node:
            return node["num"]
        if "str" in node:
            return node["str"]
        if "self" in node:
            return self.ctx.self
        if "col" in node:
            return (self.ctx.choice or {}).get(node["col"])
        if "lookup" in node:
            return _lookup(self, node)
        if "fn" in node:
            handler = _FUNCTIONS.get(node["fn"])
            if handler is None:
                raise ExpressionError(f"Unknown function {node['fn']!r}")
            return handler(self, node["args"])
        raise ExpressionError(f"Malformed expression tree: {node!r}")

    def number(self, node: Mapping[str, Any]) -> float:
        return to_number(self.value(node), self.ctx.tz_offset)

    def text(self, node: Mapping[str, Any]) -> str:
        return to_string(self.value(node))

    def op(self, op: str, args: Sequence[Mapping[str, Any]]) -> Any:
        if op == "or":
            return truthy(self.value(args[0])) or truthy(self.value(args[1]))
        if op == "and":
            return truthy(self.value(args[0])) and truthy(self.value(args[1]))
        if op == "neg":
            return -self.number(args[0])
        if op in ("+", "-", "*", "div", "mod"):
            return _arith(op, self.number(args[0]), self.number(args[1]))
        a, b = self.value(args[0]), self.value(args[1])
        tz = self.ctx.tz_offset
        if op == "=":
            return _equals(a, b, tz)
        if op == "!=":
            return not _equals(a, b, tz)
        if op in ("<", "<=", ">", ">="):
            return _relational(op, a, b, tz)
        raise ExpressionError(f"Unknown operator {op!r}")

    def arg_or_self(self, args: Sequence[Mapping[str, Any]]) -> Any:
        return self.value(args[0]) if args else self.ctx.self

    def nodeset(self, node: Mapping[str, Any]) -> list[Any]:
        """Values of a question across all repeat instances (or its single answer)."""
        if "ref" not in node:
            return [self.value(node)]
        name = node["ref"]
        values: list[Any] = []
        found = False
        for instances in self.ctx.repeats.values():
            for instance in instances:
                if name in instance:
                    found = True
                    values.append(instance[name])
        if not found:
            values.append(self.ctx.answers.get(name))
        return values

    def extreme(self, args: Sequence[Mapping[str, Any]], pick: Callable[..., float]) -> float:
        tz = self.ctx.tz_offset
        numbers = [to_number(v, tz) for a in args for v in self.nodeset(a) if not _is_empty(v)]
        if not numbers or any(math.isnan(n) for n in numbers):
            return NAN
        return pick(numbers)


def _fn_sum(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> float:
    total = 0.0
    for value in ev.nodeset(args[0]):
        if not _is_empty(value):  # a half-filled instance must not turn the total into NaN
            total += to_number(value, ev.ctx.tz_offset)
    return total


def _fn_selected_at(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> str:
    items = _tokens(ev.value(args[0]))
    n = ev.number(args[1])
    if not math.isfinite(n):
        return ""
    i = math.trunc(n)  # 0-based, as in ODK
    return items[i] if 0 <= i < len(items) else ""


def _fn_choice_name(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> str:
    value = ev.text(args[0])
    name = args[1]["ref"] if "ref" in args[1] else ev.text(args[1])
    if value == "":
        return ""
    label = ev.ctx.choice_label(name, value) if ev.ctx.choice_label else None
    return value if label is None else to_string(label)


def _fn_regex(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> bool:
    from .regex_dialect import compile_pattern  # the dialect both evaluators share

    pattern = compile_pattern(ev.text(args[1]))
    return pattern is not None and pattern.search(ev.text(args[0])) is not None


def _fn_coalesce(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> Any:
    for arg in args:
        value = ev.value(arg)
        if not _is_empty(value):
            return value
    return ""


def _fn_if(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> Any:
    return ev.value(args[1]) if truthy(ev.value(args[0])) else ev.value(args[2])


def _fn_today(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> str:
    return ev.ctx.today or date.today().isoformat()


def _fn_now(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> str:
    return ev.ctx.now or datetime.now(UTC).isoformat(timespec="seconds")


def _fn_position(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> Any:
    return NAN if ev.ctx.position is None else ev.ctx.position


def _fn_count(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> int:
    return len(ev.ctx.repeats.get(args[0]["ref"]) or ())


def _rounding(fn: Callable[[float], float]) -> Callable[[_Evaluator, Sequence[Any]], float]:
    def handler(ev: _Evaluator, args: Sequence[Mapping[str, Any]]) -> float:
        x = ev.number(args[0])
        return x if not math.isfinite(x) else _zero_sign(float(fn(x)), x)

    return handler


_Handler = Callable[[_Evaluator, Sequence[Mapping[str, Any]]], Any]
_FUNCTIONS: dict[str, _Handler] = {
    "selected": lambda ev, a: ev.text(a[1]).strip(_WS) in _tokens(ev.value(a[0])),
    "count-selected": lambda ev, a: len(_tokens(ev.value(a[0]))),
    "selected-at": _fn_selected_at,
    "jr:choice-name": _fn_choice_name,
    "string-length": lambda ev, a: len(to_string(ev.arg_or_self(a))),
    "concat": lambda ev, a: "".join(ev.text(x) for x in a),
    "if": _fn_if,
    "regex": _fn_regex,
    "coalesce": _fn_coalesce,
    "today": _fn_today,
    "now": _fn_now,
    "int": lambda ev, a: _int(ev.number(a[0])),
    "number": lambda ev, a: to_number(ev.arg_or_self(a), ev.ctx.tz_offset),
    "round": lambda ev, a: _round(ev.number(a[0]), ev.number(a[1]) if len(a) > 1 else 0.0),
    "position": _fn_position,
    "count": _fn_count,
    "sum": _fn_sum,
    "min": lambda ev, a: ev.extreme(a, min),
    "max": lambda ev, a: ev.extreme(a, max),
    "string": lambda ev, a: to_string(ev.arg_or_self(a)),
    "boolean": lambda ev, a: truthy(ev.value(a[0])),
    "true": lambda ev, a: True,
    "false": lambda ev, a: False,
    "not": lambda ev, a: not truthy(ev.value(a[0])),
    "contains": lambda ev, a: ev.text(a[1]) in ev.text(a[0]),
    "starts-with": lambda ev, a: ev.text(a[0]).startswith(ev.text(a[1])),
    "ends-with": lambda ev, a: ev.text(a[0]).endswith(ev.text(a[1])),
    "floor": _rounding(math.floor),
    "ceiling": _rounding(math.ceil),
    "abs": lambda ev, a: abs(ev.number(a[0])),
    "decimal-date-time": lambda ev, a: ev.number(a[0]),
}

# The rest of the ODK functions live in their own module, which builds on this one.
from .expr_functions import FUNCTIONS as _ODK_FUNCTIONS  # noqa: E402
from .expr_functions import _lookup  # noqa: E402

_FUNCTIONS.update(_ODK_FUNCTIONS)
