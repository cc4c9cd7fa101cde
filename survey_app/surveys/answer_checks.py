"""What is wrong with one answer, by question type: the checks that need no other answer.

Kept apart from :mod:`survey_app.surveys.validation` (which walks a record and applies the
form's logic) because they run for every answer of every record: :func:`answer_check`
turns each question into one closure, once per version (:mod:`survey_app.surveys.plan`),
with a fast path for the answer a phone sends (a whole number in range, a known choice,
text within its lengths) and :func:`check_value` for everything else. Both give the same
message for the same answer (tests/test_answer_checks.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from ..attachments.model import valid_name
from .messages import Message, message
from .schema import FILE_TYPES, METADATA_TYPES, NOT_CAPTURED_TYPES, SELECT_TYPES

TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def choice_names(definition: dict, question: dict) -> set[str]:
    names = {choice["name"] for choice in definition["choice_lists"].get(question["choices"], [])}
    if question.get("or_other"):
        names.add("other")
    return names


# The largest whole number a phone's JavaScript holds exactly (Number.MAX_SAFE_INTEGER).
# Anything beyond it did not come from the form; it is also where turning an int into a
# float (range, bounds, expressions) starts losing digits, then overflows.
MAX_SAFE_INTEGER = 2**53 - 1


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return math.isfinite(value)


def _too_large(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER


def check_value(
    definition: dict, question: dict, value: Any, allowed: set[str] | None = None
) -> Message | None:
    """Return what is wrong with one non-blank answer, or None."""
    kind = question["type"]
    if kind in FILE_TYPES:
        if not isinstance(value, str) or not valid_name(value):
            return message("file_name")
        return None
    if kind in ("text", "barcode", "hidden", *NOT_CAPTURED_TYPES, *METADATA_TYPES):
        if not isinstance(value, str):
            return message("text")
        if kind == "text":
            if "max_length" in question and len(value) > question["max_length"]:
                return message("max_length", n=question["max_length"])
            if "min_length" in question and len(value) < question["min_length"]:
                return message("min_length", n=question["min_length"])
        return None
    if kind in ("integer", "decimal", "range") and _too_large(value):
        return message("too_large", n=MAX_SAFE_INTEGER)
    if kind == "integer":
        if not (_is_number(value) and float(value).is_integer()):
            return message("integer")
        return _check_bounds(question, value)
    if kind in ("decimal", "range"):
        if not _is_number(value):
            return message("number")
        if kind == "range":
            spec = question["range"]
            low, high = sorted((spec["start"], spec["end"]))
            if not low <= value <= high:
                return message("between", low=_fmt(low), high=_fmt(high))
            steps = (value - spec["start"]) / spec.get("step", 1)
            if abs(steps - round(steps)) > 1e-9:
                return message("step", step=_fmt(spec.get("step", 1)))
        return _check_bounds(question, value)
    if kind in SELECT_TYPES:
        if allowed is None:
            allowed = choice_names(definition, question)
        if kind == "select_one":
            if not isinstance(value, str) or value not in allowed:
                return message("choice")
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return message("choice_list")
        unknown = [v for v in value if v not in allowed]
        if unknown:
            return message("not_choices", choices=", ".join(map(str, unknown)))
        if len(set(value)) != len(value):
            return message("choice_repeated")
        return None
    if kind == "date":
        if not is_date_answer(value):
            return message("date")
        return _check_bounds(question, value)
    if kind == "time":
        if (
            not isinstance(value, str)
            or not TIME_RE.match(value)
            or _parse(time.fromisoformat, value) is None
        ):
            return message("time")
        return None
    if kind == "datetime":
        if _parse(datetime.fromisoformat, value) is None:
            return message("datetime")
        return None
    if kind == "acknowledge":
        return None if value == "OK" else message("ok")
    if kind == "geopoint":
        return _check_geopoint(value)
    if kind in ("geotrace", "geoshape"):
        return _check_geotrace(value, kind)
    if kind == "calculate":
        return None if isinstance(value, str | int | float | bool) else message("single_value")
    if kind == "note":
        return message("note")
    return None


def open_choice(kind: str, value: Any) -> Message | None:
    """A select whose choices are in a missing attachment: any choice name is kept."""
    if kind == "select_one":
        return None if isinstance(value, str) else message("choice")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return message("choice_list")
    return None


def is_date_answer(value: Any) -> bool:
    """What a date question takes: ``YYYY-MM-DD`` and nothing more (the form's date input
    sends that; the XLSForm import reads defaults with it too)."""
    return isinstance(value, str) and len(value) == 10 and _parse(date.fromisoformat, value) is not None


def _parse(parser, value: Any):
    if not isinstance(value, str):
        return None
    try:
        return parser(value)
    except ValueError:
        return None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_bounds(question: dict, value: Any) -> Message | None:
    low, high = question.get("min"), question.get("max")
    try:
        if low is not None and value < low:
            return message("min", n=low)
        if high is not None and value > high:
            return message("max", n=high)
    except TypeError:
        return None  # a bound of another type is a definition problem, not the record's
    return None


def _check_geopoint(value: Any) -> Message | None:
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        return message("location")
    extra = set(value) - {"lat", "lon", "alt", "accuracy"}
    if extra:
        return message("location_fields", fields=", ".join(sorted(extra)))
    if not all(_is_number(value[k]) for k in value if value[k] is not None):
        return message("location_numbers")
    if not (-90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180):
        return message("location_range")
    return None


def _check_geotrace(value: Any, kind: str) -> Message | None:
    """A line or shape walked point by point: a list of locations (a shape closes itself)."""
    least = 3 if kind == "geoshape" else 2
    if not isinstance(value, list) or len(value) < least:
        return message("points", n=least)
    for point in value:
        problem = _check_geopoint(point)
        if problem:
            return problem
    return None


AnswerCheck = Callable[[Any], Message | None]


def _plain_number(value: Any) -> bool:
    """A bound the fast path can compare with: a number that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def answer_check(definition: dict, question: dict, allowed: frozenset[str] | None) -> AnswerCheck:
    """One question's check of a non-blank answer, as a closure made once per version.

    Each fast path accepts only answers for which :func:`check_value` would return None,
    and hands anything else to it, so the message for a wrong answer is always its own.
    """
    kind = question["type"]

    def slow(value: Any) -> Message | None:
        return check_value(definition, question, value, allowed)

    if kind == "text":
        longest, shortest = question.get("max_length", math.inf), question.get("min_length", 0)
        if not (_plain_number(longest) and _plain_number(shortest)):
            return slow

        def text(value: Any) -> Message | None:
            if type(value) is str and shortest <= len(value) <= longest:
                return None
            return slow(value)

        return text
    if kind in SELECT_TYPES and allowed is not None:
        if kind == "select_one":
            return lambda value: None if type(value) is str and value in allowed else slow(value)

        def choices(value: Any) -> Message | None:
            listed = type(value) is list and all(type(v) is str and v in allowed for v in value)
            return None if listed and len(set(value)) == len(value) else slow(value)

        return choices
    if kind in ("integer", "decimal"):
        low, high = question.get("min"), question.get("max")
        if not (low is None or _plain_number(low)) or not (high is None or _plain_number(high)):
            return slow
        # A whole number past MAX_SAFE_INTEGER is refused whatever the bounds.
        low = -MAX_SAFE_INTEGER if low is None else max(low, -MAX_SAFE_INTEGER)
        high = MAX_SAFE_INTEGER if high is None else min(high, MAX_SAFE_INTEGER)
        wanted = (int,) if kind == "integer" else (int, float)

        def number(value: Any) -> Message | None:
            if type(value) in wanted and low <= value <= high:
                return None  # a float in range is finite; an int in range is safe
            return slow(value)

        return number
    if kind == "range" and "min" not in question and "max" not in question:
        spec = question.get("range") or {}
        start, end, step = spec.get("start"), spec.get("end"), spec.get("step", 1)
        if not all(_plain_number(x) for x in (start, end, step)) or step == 0:
            return slow
        low = max(min(start, end), -MAX_SAFE_INTEGER)
        high = min(max(start, end), MAX_SAFE_INTEGER)

        def on_scale(value: Any) -> Message | None:
            if type(value) in (int, float) and low <= value <= high:
                steps = (value - start) / step
                if abs(steps - round(steps)) <= 1e-9:
                    return None
            return slow(value)

        return on_scale
    if kind == "date" and "min" not in question and "max" not in question:

        def day(value: Any) -> Message | None:
            return None if is_date_answer(value) else slow(value)

        return day
    return slow
