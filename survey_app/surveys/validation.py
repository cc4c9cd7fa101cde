"""Check submitted answers against their own definition version.

The result never changes the data: a record that breaks its rules is kept as sent and
quarantined with these messages, so a coordinator can look at it (field data is never
dropped). Messages are keyed by question path (``networks[2].org_name``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

from .schema import METADATA_TYPES, SELECT_TYPES, walk

Errors = dict[str, list[str]]

TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def choice_names(definition: dict, question: dict) -> set[str]:
    names = {choice["name"] for choice in definition["choice_lists"].get(question["choices"], [])}
    if question.get("or_other"):
        names.add("other")
    return names


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_value(definition: dict, question: dict, value: Any) -> str | None:
    """Return what is wrong with one non-blank answer, or None."""
    kind = question["type"]
    if kind in ("text", "image", "audio", *METADATA_TYPES):
        if not isinstance(value, str):
            return "Must be text."
        if kind == "text":
            if "max_length" in question and len(value) > question["max_length"]:
                return f"At most {question['max_length']} characters."
            if "min_length" in question and len(value) < question["min_length"]:
                return f"At least {question['min_length']} characters."
        return None
    if kind == "integer":
        if not (_is_number(value) and float(value).is_integer()):
            return "Must be a whole number."
        return _check_bounds(question, value)
    if kind in ("decimal", "range"):
        if not _is_number(value):
            return "Must be a number."
        if kind == "range":
            spec = question["range"]
            low, high = sorted((spec["start"], spec["end"]))
            if not low <= value <= high:
                return f"Must be between {_fmt(low)} and {_fmt(high)}."
            steps = (value - spec["start"]) / spec.get("step", 1)
            if abs(steps - round(steps)) > 1e-9:
                return f"Must be in steps of {_fmt(spec.get('step', 1))}."
        return _check_bounds(question, value)
    if kind in SELECT_TYPES:
        allowed = choice_names(definition, question)
        if kind == "select_one":
            if not isinstance(value, str) or value not in allowed:
                return "Not one of the choices."
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "Must be a list of choices."
        unknown = [v for v in value if v not in allowed]
        if unknown:
            return f"Not among the choices: {', '.join(map(str, unknown))}."
        if len(set(value)) != len(value):
            return "A choice is repeated."
        return None
    if kind == "date":
        parsed = _parse(date.fromisoformat, value)
        if parsed is None or len(value) != 10:
            return "Must be a date (YYYY-MM-DD)."
        return _check_bounds(question, value)
    if kind == "time":
        if (
            not isinstance(value, str)
            or not TIME_RE.match(value)
            or _parse(time.fromisoformat, value) is None
        ):
            return "Must be a time (HH:MM)."
        return None
    if kind == "datetime":
        if _parse(datetime.fromisoformat, value) is None:
            return "Must be a date and time (ISO 8601)."
        return None
    if kind == "acknowledge":
        return None if value == "OK" else 'Must be "OK".'
    if kind == "geopoint":
        return _check_geopoint(value)
    if kind == "calculate":
        return None if isinstance(value, str | int | float | bool) else "Must be a single value."
    if kind == "note":
        return "A note takes no answer."
    return None


def _parse(parser, value: Any):
    if not isinstance(value, str):
        return None
    try:
        return parser(value)
    except ValueError:
        return None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _check_bounds(question: dict, value: Any) -> str | None:
    low, high = question.get("min"), question.get("max")
    try:
        if low is not None and value < low:
            return f"Must be at least {low}."
        if high is not None and value > high:
            return f"Must be at most {high}."
    except TypeError:
        return None  # a bound of another type is a definition problem, not the record's
    return None


def _check_geopoint(value: Any) -> str | None:
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        return 'Must be a location {"lat", "lon"}.'
    extra = set(value) - {"lat", "lon", "alt", "accuracy"}
    if extra:
        return f"Unexpected location fields: {', '.join(sorted(extra))}."
    if not all(_is_number(value[k]) for k in value if value[k] is not None):
        return "Location values must be numbers."
    if not (-90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180):
        return "Latitude or longitude out of range."
    return None


def known_names(questions: list[dict], definition: dict | None = None) -> set[str]:
    """Answer keys a scope may carry: its questions, and ``<name>_other`` for or_other."""
    names: set[str] = set()
    for question in questions:
        if question["type"] == "group":
            names |= known_names(question["questions"])
            continue
        names.add(question["name"])
        if question.get("or_other"):
            names.add(question["name"] + "_other")
    return names


def scope_questions(questions: list[dict]):
    """The questions answered in one scope: groups flattened, repeats kept whole."""
    for question in questions:
        if question["type"] == "group":
            yield from scope_questions(question["questions"])
        else:
            yield question


def validate_scope(definition: dict, questions: list[dict], data: Any, prefix: str = "") -> Errors:
    """Validate one scope (the whole form, or one repeat instance)."""
    errors: Errors = {}
    if not isinstance(data, dict):
        return {prefix.rstrip(".") or "data": ["Answers must be an object."]}

    def add(name: str, message: str) -> None:
        errors.setdefault(prefix + name, []).append(message)

    for key in sorted(set(data) - known_names(questions)):
        add(key, "Not a question of this survey version.")
    for question in scope_questions(questions):
        name, value = question["name"], data.get(question["name"])
        if is_blank(value):
            if question.get("required") and question["type"] not in ("note", "calculate", "repeat"):
                add(name, "This answer is required.")
            continue
        if question["type"] == "repeat":
            if not isinstance(value, list):
                add(name, "Must be a list of entries.")
                continue
            for index, item in enumerate(value):
                errors.update(
                    validate_scope(
                        definition, question["questions"], item, f"{prefix}{name}[{index}]."
                    )
                )
            continue
        problem = _check_value(definition, question, value)
        if problem:
            add(name, problem)
    return errors


def validate_submission(definition: dict, data: Any) -> Errors:
    """Return every problem with a submission's answers ({} if it is valid)."""
    return validate_scope(definition, definition["questions"], data)


def input_questions(definition: dict) -> list[dict]:
    """Every question that carries an answer (for exports and the form)."""
    return [q for q in walk(definition["questions"]) if q["type"] not in ("group", "note")]
