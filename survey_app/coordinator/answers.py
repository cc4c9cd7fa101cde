"""Every answer of a record with its question label, in the chosen language.

Walks the record's own definition version, so a question is labelled as it was asked.
Answers the definition does not know (a quarantined record can carry them) are listed
at the end, never hidden. Also lines two records up, question by question, for the
side-by-side view of a conflict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..languages.texts import translate

SKIP = {"note"}


@dataclass
class Answer:
    key: str  # the question path, as used in validation messages (networks[0].org_name)
    label: str
    value: str
    depth: int = 0
    heading: bool = False  # a group or repeat title, not an answer


def show(value: Any, question: dict | None, definition: dict | None, language: str) -> str:
    """An answer as text a coordinator reads: choice labels, lists, locations."""
    if value is None:
        return ""
    if question and definition and question.get("choices"):
        default = definition["default_language"]
        labels = {
            c["name"]: translate(c.get("label"), language, default)
            for c in definition["choice_lists"].get(question["choices"], [])
        }
        labels.setdefault("other", "Other")
        if isinstance(value, list):
            return "; ".join(labels.get(v, str(v)) if isinstance(v, str) else json.dumps(v) for v in value)
        if isinstance(value, str):
            return labels.get(value, value)
    if question and question.get("type") == "geopoint" and isinstance(value, dict):
        return ", ".join(f"{k} {value[k]}" for k in ("lat", "lon", "alt", "accuracy") if k in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def answers(definition: dict | None, data: Any, language: str) -> list[Answer]:
    """The record's answers in form order, then any the definition does not know."""
    if not isinstance(data, dict):
        return [Answer("data", "Answers (not an object)", json.dumps(data, ensure_ascii=False))]
    out: list[Answer] = []
    seen: set[str] = set()
    if definition:
        _walk(definition["questions"], definition, data, language, "", 0, out, seen)
    for key in data:
        if key not in seen:
            out.append(
                Answer(key, f"{key} (not a question of this version)", show(data[key], None, None, language))
            )
    return out


def _walk(questions, definition, data, language, prefix, depth, out, seen) -> None:
    default = definition["default_language"]
    for question in questions:
        name, kind = question["name"], question["type"]
        label = translate(question.get("label"), language, default) or name
        if kind == "group":
            out.append(Answer(prefix + name, label, "", depth, heading=True))
            _walk(question["questions"], definition, data, language, prefix, depth + 1, out, seen)
            continue
        if kind in SKIP:
            continue
        seen.add(name)
        value = data.get(name)
        if kind == "repeat":
            items = value if isinstance(value, list) else []
            out.append(
                Answer(prefix + name, label, f"{len(items)} entries" if items else "", depth, heading=True)
            )
            for index, item in enumerate(items):
                key = f"{prefix}{name}[{index}]."
                out.append(Answer(key.rstrip("."), f"{label} {index + 1}", "", depth + 1, heading=True))
                inner: set[str] = set()
                if isinstance(item, dict):
                    _walk(question["questions"], definition, item, language, key, depth + 2, out, inner)
                    for extra in item:
                        if extra not in inner:
                            out.append(
                                Answer(
                                    key + extra,
                                    f"{extra} (unknown)",
                                    show(item[extra], None, None, language),
                                    depth + 2,
                                )
                            )
                else:
                    out.append(Answer(key.rstrip("."), "entry", show(item, None, None, language), depth + 2))
            if value is not None and not isinstance(value, list):
                out.append(Answer(prefix + name, label, show(value, None, None, language), depth + 1))
            continue
        out.append(Answer(prefix + name, label, show(value, question, definition, language), depth))
        if question.get("or_other"):
            seen.add(name + "_other")
            other = data.get(name + "_other")
            if other is not None:
                out.append(
                    Answer(
                        prefix + name + "_other", f"{label}: other", show(other, None, None, language), depth
                    )
                )


def side_by_side(
    definition: dict | None, stored: Any, other: Any, language: str
) -> list[tuple[Answer, str, bool]]:
    """Rows of (answer as stored, the other copy's value, whether they differ)."""
    left = answers(definition, stored, language)
    right = {a.key: a.value for a in answers(definition, other, language)}
    rows = []
    for answer in left:
        value = right.pop(answer.key, "")
        rows.append((answer, value, answer.value != value))
    for key, value in right.items():
        rows.append((Answer(key, key, ""), value, True))
    return rows
