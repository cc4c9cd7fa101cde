"""Stored answers back into form fields: the inverse of :mod:`survey_app.capture.formdata`.

A coordinator corrects a record in the same form page the phone used, so the page must
open with the record's answers in its fields (repeats included). Field names follow
``formdata``: ``networks[0].org_name``, ``location__lat``, repeated ``concerns``. A value
of the wrong type (``"twelve"`` for an integer) is shown as text, so it can be fixed
instead of being blanked by the browser. ``unshown`` names the answers the form has no
field for (kept in the original when the correction is saved).
"""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from ..surveys.validation import scope_questions
from .formdata import SKIPPED_TYPES, read_scope


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _point_line(point: Any) -> str:
    if not isinstance(point, dict):
        return _text(point)
    return " ".join(_text(point[k]) for k in ("lat", "lon", "alt", "accuracy") if point.get(k) is not None)


def _fill(questions: list[dict], data: dict, values: MultiDict, prefix: str) -> None:
    for question in scope_questions(questions):
        name, kind = question["name"], question["type"]
        key = prefix + name
        if question.get("or_other") and data.get(name + "_other") not in (None, ""):
            values.add(key + "_other", _text(data[name + "_other"]))
        if name not in data or data[name] is None:
            if kind == "repeat":
                values.add(key + "__count", "0")
            continue
        value = data[name]
        if kind == "repeat" and isinstance(value, list):
            items = [item for item in value if isinstance(item, dict)]
            values.add(key + "__count", str(len(items)))
            for index, item in enumerate(items):
                _fill(question["questions"], item, values, f"{key}[{index}].")
        elif kind == "select_multiple" and isinstance(value, list):
            for choice in value:
                values.add(key, _text(choice))
        elif kind == "geopoint" and isinstance(value, dict):
            values.add(key + "__lat", _text(value.get("lat", "")))
            values.add(key + "__lon", _text(value.get("lon", "")))
            if value.get("accuracy") is not None:
                values.add(key + "__acc", _text(value["accuracy"]))
        elif kind in ("geotrace", "geoshape") and isinstance(value, list):
            values.add(key, "\n".join(_point_line(point) for point in value))
        else:
            values.add(key, _text(value))


def form_values(definition: dict, data: Any) -> MultiDict:
    """The form fields that show these answers (``_id`` is set so no default is applied)."""
    values: MultiDict = MultiDict()
    if isinstance(data, dict):
        _fill(definition["questions"], data, values, "")
    return values


def _paths(data: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if not isinstance(data, dict):
        return found
    for name, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                found |= _paths(item, f"{prefix}{name}[{index}].") or {f"{prefix}{name}[{index}]"}
        else:
            found.add(prefix + name)
    return found


def unshown(definition: dict, data: Any) -> list[str]:
    """Answers the form has no field for (not questions of this version), by path: a
    saved correction leaves them out, and the original keeps them. Calculations are not
    listed: the form recomputes them."""
    recomputed = {q["name"] for q in _all(definition["questions"]) if q["type"] in SKIPPED_TYPES}
    shown = _paths(read_scope(definition["questions"], form_values(definition, data)))
    return sorted(path for path in _paths(data) - shown if _leaf(path) not in recomputed)


def _leaf(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])


def _all(questions: list[dict]):
    for question in questions:
        yield question
        if question.get("questions"):
            yield from _all(question["questions"])


def as_sent_order(new: Any, old: Any) -> Any:
    """The read-back answers, with each select-multiple that holds the same choices as before
    in the order it was sent (the form lists them in the choices' order): a correction
    changes only what the coordinator changed."""
    if not (isinstance(new, dict) and isinstance(old, dict)):
        return new
    kept = dict(new)
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, list) and isinstance(before, list):
            if all(isinstance(v, str) for v in value + before) and sorted(value) == sorted(before):
                kept[key] = list(before)
            elif all(isinstance(v, dict) for v in value + before):
                kept[key] = [
                    as_sent_order(v, before[i]) if i < len(before) else v for i, v in enumerate(value)
                ]
    return kept
