"""Turn a posted HTML form into submission data, following the definition.

Field names mirror the data: ``name`` for a question, ``networks[0].org_name`` inside a
repeat, ``location__lat``/``location__lon`` for a geopoint, repeated ``concerns`` for a
select-multiple. A value that cannot be read (``"12a"`` for an integer) is kept as text
so the form can show it back with a message, instead of silently dropping it.

Here the server plays the phone's part for the plain HTML form: like the phone, it sends
no answer to a question that does not apply and fills in the calculations
(:func:`survey_app.engine.logic.settle`). Metadata (start, deviceid, ...) is read when the
page's script filled it in.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from ..engine.logic import settle
from ..surveys.validation import scope_questions

REPEAT_KEY = re.compile(r"^(?P<prefix>.*?)(?P<name>[^\W\d][\w.\-/]*)\[(?P<index>\d+)\]\.")

MAX_INSTANCES = 200  # per repeat: a bound on what one posted form can make the server build

SKIPPED_TYPES = {"note", "calculate"}


def _number(raw: str, integer: bool) -> Any:
    text = raw.strip().replace(",", ".") if not integer else raw.strip()
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return raw


def points(raw: str) -> Any:
    """A walked line or shape as typed: one ``lat lon [alt [accuracy]]`` per line (or ``;``).

    Text that does not read as points is kept as typed, so the form shows it back.
    """
    found = []
    for line in filter(None, (part.strip() for part in re.split(r"[;\n]", raw))):
        parts = [p for p in re.split(r"[\s,]+", line) if p]
        numbers = [_number(p, False) for p in parts]
        if not 2 <= len(numbers) <= 4 or not all(isinstance(n, float) for n in numbers):
            return raw
        point = {"lat": numbers[0], "lon": numbers[1]}
        point.update(dict(zip(("alt", "accuracy"), numbers[2:], strict=False)))
        found.append(point)
    return found


# Without an instance_name, these name a listening session in the phone's lists.
SUMMARY_FALLBACK = ("session_date", "venue", "ward")
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def summary_fields(definition: dict) -> list[str]:
    """The questions that tell one record from another in the phone's lists.

    The form's ``instance_name`` (ODK: ``concat(${date}, ' ', ${venue})``) names them;
    without one, the session's date, venue and ward where the form has them.
    """
    from ..surveys.schema import walk

    names = {q["name"] for q in walk(definition["questions"]) if q["type"] not in ("group", "repeat")}
    wanted = REFERENCE.findall(str(definition.get("instance_name") or "")) or list(SUMMARY_FALLBACK)
    return [name for name in dict.fromkeys(wanted) if name in names]


def takes_files(definition: dict) -> bool:
    """Whether the form has a photo, recording or file question (it then posts multipart)."""
    from ..surveys.schema import FILE_TYPES, walk

    return any(q["type"] in FILE_TYPES for q in walk(definition["questions"]))


def read_scope(questions: list[dict], form: MultiDict, prefix: str = "") -> dict:
    """Read the answers of one scope (the form, or one repeat instance)."""
    data: dict[str, Any] = {}
    for question in scope_questions(questions):
        name, kind = question["name"], question["type"]
        key = prefix + name
        if kind in SKIPPED_TYPES:
            continue
        if kind == "repeat":
            count = repeat_count(form, key)
            items = [read_scope(question["questions"], form, f"{key}[{i}].") for i in range(count)]
            items = [item for item in items if item]
            if items:
                data[name] = items
            continue
        if kind == "select_multiple":
            values = [v for v in form.getlist(key) if v]
            if values:
                data[name] = values
        elif kind == "geopoint":
            lat, lon = form.get(key + "__lat", "").strip(), form.get(key + "__lon", "").strip()
            if lat or lon:
                data[name] = {"lat": _number(lat, False), "lon": _number(lon, False)}
                accuracy = form.get(key + "__acc", "").strip()
                if accuracy:
                    data[name]["accuracy"] = _number(accuracy, False)
        elif kind in ("geotrace", "geoshape"):
            raw = form.get(key, "")
            if raw.strip():
                data[name] = points(raw)
        else:
            raw = form.get(key, "")
            if raw.strip() == "":
                continue
            if kind == "integer":
                data[name] = _number(raw, True)
            elif kind in ("decimal", "range"):
                value = _number(raw, False)
                if isinstance(value, float) and value.is_integer() and kind == "range":
                    value = int(value)
                data[name] = value
            else:
                data[name] = raw
        if question.get("or_other"):
            other = form.get(key + "_other", "").strip()
            if other:
                data[name + "_other"] = other
    return data


def repeat_count(form: MultiDict, key: str) -> int:
    """How many instances of a repeat the form carries (from its counter field)."""
    raw = form.get(key + "__count", "0")
    return min(int(raw), MAX_INSTANCES) if raw.isdigit() else 0


def with_extra_instance(form: MultiDict) -> MultiDict:
    """The posted values with one more instance of the repeat whose "Add another" was pressed
    (the no-JavaScript path; both the account form and the public-link form use it)."""
    values = form.copy()
    key = form["_add_repeat"] + "__count"
    values[key] = str(min(repeat_count(form, form["_add_repeat"]) + 1, MAX_INSTANCES))
    return values


def form_answers(definition: dict, form: MultiDict) -> dict:
    """The answers a posted form carries, as the phone would send them."""
    return settle(definition, read_scope(definition["questions"], form))
