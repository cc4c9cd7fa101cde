"""The rest of the ODK XForms functions (https://getodk.github.io/xforms-spec/#xpath-functions).

Kept apart from ``expr_eval.py`` (the core: coercions, operators, the walk) so that each
file stays readable; ``static/js/expressions.js`` has the same functions under the same
names, and ``tests/data/expression_vectors.json`` runs through both. Semantics follow ODK
Collect and Enketo; where they differ, ODK's spec wins (docs/form-engine.md lists each
deviation).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import random
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from typing import Any

from .expr_dates import XDate, decimal_time, format_date, to_xdate
from .expr_eval import NAN, _Evaluator, _is_empty, _tokens, to_number, to_string, truthy

Args = Sequence[Mapping[str, Any]]
EARTH_RADIUS = 6378100.0  # metres, as ODK Collect and Enketo


def _n(ev: _Evaluator, node: Mapping[str, Any]) -> float:
    return ev.number(node)


def _math(fn):
    def handler(ev: _Evaluator, args: Args) -> float:
        try:
            return fn(*[_n(ev, a) for a in args])
        except (ValueError, OverflowError, ZeroDivisionError):
            return NAN

    return handler


def _pow(x: float, y: float) -> float:
    if x == 0 and y < 0:
        return math.inf  # as JavaScript's 0 ** -1
    try:
        result = math.pow(x, y)
    except ValueError:
        return NAN
    except OverflowError:
        return math.inf
    return result


def _log(x: float) -> float:
    if math.isnan(x) or x < 0:
        return NAN
    return -math.inf if x == 0 else math.log(x)


def _log10(x: float) -> float:
    if math.isnan(x) or x < 0:
        return NAN
    return -math.inf if x == 0 else math.log10(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sqrt(x: float) -> float:
    return NAN if math.isnan(x) or x < 0 else math.sqrt(x)


def _trig(fn):
    def inner(x: float) -> float:
        if not math.isfinite(x) and fn in (math.sin, math.cos, math.tan):
            return NAN
        try:
            return fn(x)
        except ValueError:
            return NAN

    return inner


# -- strings ----------------------------------------------------------------------------------


def _substr(ev: _Evaluator, args: Args) -> str:
    """substr(s, start[, end]): 0-based, end exclusive; negative counts from the end."""
    text = ev.text(args[0])
    chars = list(text)  # by code point, as the JS twin (Array.from)
    start = _slice_index(_n(ev, args[1]), len(chars))
    end = _slice_index(_n(ev, args[2]), len(chars)) if len(args) > 2 else len(chars)
    return "".join(chars[start:end])


def _slice_index(x: float, length: int) -> int:
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return length if x > 0 else 0
    i = int(x)
    return max(0, length + i) if i < 0 else min(i, length)


def _substring(ev: _Evaluator, args: Args) -> str:
    """XPath 1.0 substring(s, start[, length]): 1-based with XPath's rounding."""
    chars = list(ev.text(args[0]))
    start = _xpath_round(_n(ev, args[1]))
    end = start + _xpath_round(_n(ev, args[2])) if len(args) > 2 else math.inf
    return "".join(c for i, c in enumerate(chars, start=1) if start <= i < end)


def _xpath_round(x: float) -> float:
    if not math.isfinite(x):
        return x
    return math.floor(x + 0.5)


def _before(ev: _Evaluator, args: Args) -> str:
    text, needle = ev.text(args[0]), ev.text(args[1])
    index = text.find(needle)
    return "" if index < 0 else text[:index]


def _after(ev: _Evaluator, args: Args) -> str:
    text, needle = ev.text(args[0]), ev.text(args[1])
    index = text.find(needle)
    return "" if index < 0 else text[index + len(needle) :]


def _translate(ev: _Evaluator, args: Args) -> str:
    text, source, target = (list(ev.text(a)) for a in args)
    table: dict[str, str | None] = {}
    for i, char in enumerate(source):
        if char not in table:
            table[char] = target[i] if i < len(target) else None
    return "".join(table.get(c, c) or "" for c in text if table.get(c, c) is not None)


def _normalize_space(ev: _Evaluator, args: Args) -> str:
    text = ev.text(args[0]) if args else to_string(ev.ctx.self)
    return " ".join(text.replace("\x0b", " ").replace("\x0c", " ").split(None)) if text else ""


def _join(ev: _Evaluator, args: Args) -> str:
    separator = ev.text(args[0])
    parts: list[str] = []
    for arg in args[1:]:
        parts.extend(to_string(v) for v in ev.nodeset(arg))
    return separator.join(parts)


def _boolean_from_string(ev: _Evaluator, args: Args) -> bool:
    value = ev.value(args[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value > 0 and float(value).is_integer()
    return to_string(value) in ("1", "true")


def _uuid(ev: _Evaluator, args: Args) -> str:
    if not args:
        return str(uuid_module.uuid4())
    length = _n(ev, args[0])
    if not math.isfinite(length) or length < 0:
        return str(uuid_module.uuid4())
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(random.choice(alphabet) for _ in range(int(length)))


DIGESTS = {"md5": "md5", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}


def _digest(ev: _Evaluator, args: Args) -> str:
    """digest(text, 'SHA-256'[, 'base64'|'hex']): of the UTF-8 bytes; '' for an unknown one."""
    algorithm = DIGESTS.get(ev.text(args[1]).strip().lower())
    encoding = ev.text(args[2]).strip().lower() if len(args) > 2 else "base64"
    if algorithm is None or encoding not in ("base64", "hex"):
        return ""
    raw = hashlib.new(algorithm, ev.text(args[0]).encode("utf-8")).digest()
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")


def _base64_decode(ev: _Evaluator, args: Args) -> str:
    """base64-decode(text): the UTF-8 text it encodes; '' when it is not base64 of UTF-8."""
    try:
        return base64.b64decode(ev.text(args[0]).strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


# -- choices and counting ---------------------------------------------------------------------


def _checklist(ev: _Evaluator, args: Args) -> bool:
    low, high = _n(ev, args[0]), _n(ev, args[1])
    trues = sum(1 for a in args[2:] for v in ev.nodeset(a) if truthy(v))
    return (low < 0 or trues >= low) and (high < 0 or trues <= high)


def _weighted_checklist(ev: _Evaluator, args: Args) -> bool:
    low, high = _n(ev, args[0]), _n(ev, args[1])
    total = 0.0
    rest = list(args[2:])
    for i in range(0, len(rest) - 1, 2):
        values, weights = ev.nodeset(rest[i]), ev.nodeset(rest[i + 1])
        for value, weight in zip(values, weights, strict=False):
            if truthy(value):
                w = to_number(weight, ev.ctx.tz_offset)
                total += 0.0 if math.isnan(w) else w
    return (low < 0 or total >= low) and (high < 0 or total <= high)


def _count_non_empty(ev: _Evaluator, args: Args) -> int:
    return sum(1 for v in ev.nodeset(args[0]) if not _is_empty(v))


def _randomize(ev: _Evaluator, args: Args) -> list[str]:
    """randomize(list[, seed]): the choices of a list in a random (or seeded) order, with
    JavaRosa's Park-Miller generator so a seed gives the same order everywhere."""
    items = _tokens(ev.value(args[0]))
    if len(args) < 2:
        random.shuffle(items)
        return items
    seed = _n(ev, args[1])
    if not math.isfinite(seed):
        return items
    state = int(abs(seed)) % 2147483647 or 1
    for i in range(len(items) - 1, 0, -1):
        state = (state * 16807) % 2147483647
        j = state % (i + 1)
        items[i], items[j] = items[j], items[i]
    return items


# -- geography --------------------------------------------------------------------------------


def _points(ev: _Evaluator, args: Args) -> list[tuple[float, float]] | None:
    texts: list[str] = []
    for arg in args:
        for value in ev.nodeset(arg):
            texts.extend(to_string(value).split(";"))
    points = []
    for text in texts:
        fields = text.split()
        if len(fields) < 2:
            return None
        try:
            lat, lon = float(fields[0]), float(fields[1])
            extras = [float(f) for f in fields[2:4]]
        except ValueError:
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (len(extras) > 1 and extras[1] < 0):
            return None
        points.append((lat, lon))
    return points


def _area(ev: _Evaluator, args: Args) -> float:
    points = _points(ev, args)
    if points is None:
        return NAN
    total = 0.0
    if len(points) > 2:
        for i, (lat1, lon1) in enumerate(points):
            lat2, lon2 = points[(i + 1) % len(points)]
            total += math.radians(lon2 - lon1) * (
                2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2))
            )
        total = total * EARTH_RADIUS * EARTH_RADIUS / 2.0
    return abs(_js_round(total * 100)) / 100


def _distance(ev: _Evaluator, args: Args) -> float:
    points = _points(ev, args)
    if points is None:
        return NAN
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:], strict=False):
        f1, f2 = math.radians(lat1), math.radians(lat2)
        along = math.cos(math.radians(lon1 - lon2))
        cosine = math.sin(f1) * math.sin(f2) + math.cos(f1) * math.cos(f2) * along
        total += math.acos(max(-1.0, min(1.0, cosine))) * EARTH_RADIUS
    return abs(_js_round(total * 100)) / 100


def _js_round(x: float) -> float:
    return math.floor(x + 0.5)


# -- dates ------------------------------------------------------------------------------------


def _date(ev: _Evaluator, args: Args) -> Any:
    value = ev.value(args[0])
    if to_string(value) == "" and not isinstance(value, XDate | int | float):
        return ""
    return to_xdate(value, lambda text: to_number(text, ev.ctx.tz_offset), ev.ctx.tz_offset)


def _decimal_date_time(ev: _Evaluator, args: Args) -> float:
    value = ev.value(args[0])
    return to_number(value, ev.ctx.tz_offset)


def _decimal_time(ev: _Evaluator, args: Args) -> float:
    value = ev.value(args[0])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return NAN
    return decimal_time(to_string(value), ev.ctx.tz_offset)


def _format_date(ev: _Evaluator, args: Args) -> str:
    value = ev.value(args[0])
    if to_string(value) == "" or (isinstance(value, float) and math.isnan(value)):
        return ""
    moment = to_xdate(value, lambda text: to_number(text, ev.ctx.tz_offset), ev.ctx.tz_offset)
    return format_date(moment, ev.text(args[1]))


# -- lookups: repeats by index, form attachments ----------------------------------------------


def _indexed_repeat(ev: _Evaluator, args: Args) -> Any:
    """indexed-repeat(${q}, ${repeat}, n[, ${inner}, m]): q in the n-th instance (1-based)."""
    target = args[0].get("ref", None)
    scope: Sequence[Mapping[str, Any]] | None = None
    instance: Mapping[str, Any] | None = None
    for i in range(1, len(args) - 1, 2):
        name = args[i].get("ref", None)
        source = ev.ctx.repeats.get(name) if instance is None else instance.get(name)
        scope = source if isinstance(source, list) else []
        n = _n(ev, args[i + 1])
        if not math.isfinite(n) or not 1 <= int(n) <= len(scope):
            return ""
        instance = scope[int(n) - 1]
        if not isinstance(instance, Mapping):
            return ""
    return (instance or {}).get(target) if target else ""


def _pulldata(ev: _Evaluator, args: Args) -> Any:
    """pulldata('table', 'field', 'key_column', key): a CSV attachment's cell, or ''."""
    rows = ev.ctx.instances.get(ev.text(args[0]).removesuffix(".csv")) or ()
    field, column, key = ev.text(args[1]), ev.text(args[2]), ev.text(args[3])
    for row in rows:
        if to_string(row.get(column)) == key:
            return to_string(row.get(field))
    return ""


def _lookup(ev: _Evaluator, node: Mapping[str, Any]) -> Any:
    """instance('table')/root/item[filter]/field: the field of the first row passing filter."""
    rows = ev.ctx.instances.get(node["lookup"]) or ()
    where = node.get("where")
    field = node.get("field")
    found = []
    for row in rows:
        if where is None or truthy(_Evaluator(_with_choice(ev.ctx, row)).value(where)):
            found.append(row)
    if node.get("count"):
        return len(found)
    if not found:
        return ""
    return to_string(found[0].get(field)) if field else to_string(found[0].get("name"))


def _with_choice(ctx, row):
    from dataclasses import replace

    return replace(ctx, choice=row)


def _current(ev: _Evaluator, args: Args) -> Any:
    return ev.ctx.self


def _once(ev: _Evaluator, args: Args) -> Any:
    """once(x): x (the phone keeps a value once it has one; the server is never asked)."""
    current = ev.ctx.self
    return current if not _is_empty(current) else ev.value(args[0])


def _random(ev: _Evaluator, args: Args) -> float:
    return random.random()


FUNCTIONS = {
    "pow": _math(_pow),
    "log": _math(_log),
    "log10": _math(_log10),
    "exp": _math(_exp),
    "exp10": _math(lambda x: _pow(10.0, x)),
    "sqrt": _math(_sqrt),
    "sin": _math(_trig(math.sin)),
    "cos": _math(_trig(math.cos)),
    "tan": _math(_trig(math.tan)),
    "asin": _math(_trig(math.asin)),
    "acos": _math(_trig(math.acos)),
    "atan": _math(_trig(math.atan)),
    "atan2": _math(lambda y, x: math.atan2(y, x) if not (math.isnan(y) or math.isnan(x)) else NAN),
    "pi": lambda ev, a: math.pi,
    "random": _random,
    "substr": _substr,
    "substring": _substring,
    "substring-before": _before,
    "substring-after": _after,
    "translate": _translate,
    "normalize-space": _normalize_space,
    "join": _join,
    "boolean-from-string": _boolean_from_string,
    "uuid": _uuid,
    "digest": _digest,
    "base64-decode": _base64_decode,
    "checklist": _checklist,
    "weighted-checklist": _weighted_checklist,
    "count-non-empty": _count_non_empty,
    "randomize": _randomize,
    "area": _area,
    "distance": _distance,
    "date": _date,
    "date-time": _date,
    "decimal-date-time": _decimal_date_time,
    "decimal-time": _decimal_time,
    "format-date": _format_date,
    "format-date-time": _format_date,
    "indexed-repeat": _indexed_repeat,
    "pulldata": _pulldata,
    "current": _current,
    "once": _once,
}
