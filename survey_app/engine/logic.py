"""Form logic on the server: scopes, relevance, constraints, filters and calculations.

The phone applies a definition's logic offline with ``static/js/formlogic.js``; the server
applies the very same compiled expressions here, to validate what arrives and to play the
phone's part for the plain HTML form (no JavaScript). Both sides follow these rules:

* A question is relevant when its own ``relevant`` and those of every group or repeat
  around it are true. Non-relevant questions are not asked, not required and not sent.
* Inside a repeat, ``${name}`` looks in the current instance first, then outwards
  (``ChainMap``); ``position(..)`` is the 1-based index of the instance.
* ``constraint`` is checked only on an answered question, with ``.`` bound to the answer.
* ``choice_filter`` sees the choice row's columns (``name``, ``label``, extra columns such
  as ``district``) as bare names.
* A ``calculate`` value is a number when the result is a finite number, else its text;
  an empty or NaN result means "no value".
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..languages.texts import translate
from .expressions import EvalContext, evaluate, parse, to_number, to_string, truthy

#: Functions whose result on the server may differ from what the phone saw (the clock, the
#: display language): calculations using them are never second-guessed.
VOLATILE_FUNCTIONS = frozenset(
    {"now", "today", "jr:choice-name", "random", "uuid", "once", "randomize", "date-time"}
)
#: Most repeat instances either side will create from a ``repeat_count``.
MAX_REPEAT = 200


@dataclass(frozen=True)
class Clock:
    """The moment expressions see as ``today()`` and ``now()`` (ISO strings), and the time
    zone (minutes east of UTC) date-only values are read in: the record's own offset when
    its timestamp carries one, as ODK reads a date at the phone's local midnight."""

    today: str
    now: str
    tz: int = 0

    @classmethod
    def current(cls) -> Clock:
        moment = datetime.now(UTC)
        return cls(moment.date().isoformat(), moment.isoformat(timespec="seconds"))

    @classmethod
    def at(cls, stamp: str | None) -> Clock:
        """The clock at an ISO timestamp (e.g. when a record was finalised), else now."""
        if isinstance(stamp, str) and len(stamp) >= 10:
            try:
                moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                return cls.current()
            offset = moment.utcoffset()
            tz = int(offset.total_seconds() // 60) if offset is not None else 0
            return cls(moment.date().isoformat(), moment.isoformat(timespec="seconds"), tz)
        return cls.current()


@lru_cache(maxsize=1024)
def _parse_cached(source: str, columns: bool) -> dict:
    return parse(source, allow_columns=columns)


def compiled(question: Mapping[str, Any], key: str) -> dict | None:
    """The syntax tree of one of a question's expressions (parsed on publish; else now)."""
    tree = (question.get("compiled") or {}).get(key)
    if tree is not None:
        return tree
    source = question.get(key)
    if not source or not isinstance(source, str):
        return None
    return _parse_cached(source, key == "choice_filter")


def functions_used(tree: Any) -> set[str]:
    """Every function name called anywhere in a syntax tree."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if "fn" in node:
                found.add(node["fn"])
            stack.extend(node.get("args") or ())
    return found


class Logic:
    """What evaluation needs from one definition, prepared once (definitions are immutable)."""

    def __init__(self, definition: Mapping[str, Any]):
        self.definition = definition
        self.language = definition.get("default_language", "en")
        self.lists: dict[str, dict[str, Mapping[str, Any]]] = {
            name: {choice["name"]: choice for choice in rows}
            for name, rows in (definition.get("choice_lists") or {}).items()
        }
        self._memo: dict[Any, Any] = {}
        self.instances = definition.get("instances") or {}
        self.list_of: dict[str, str] = {}
        self.repeat_names: list[str] = []
        for question in _walk(definition.get("questions") or []):
            if question.get("choices"):
                self.list_of[question["name"]] = question["choices"]
            if question["type"] == "repeat":
                self.repeat_names.append(question["name"])

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """A value derived from this (immutable) definition, computed once."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = make()
            return value

    def choice_label(self, question_name: str, value: str) -> str | None:
        choice = self.lists.get(self.list_of.get(question_name, ""), {}).get(value)
        if choice is None:
            return None
        return translate(choice.get("label"), self.language, self.language, missing=None)

    def context(
        self,
        chain: Sequence[Mapping[str, Any]],
        clock: Clock,
        position: int | None = None,
        value: Any = None,
        choice: Mapping[str, Any] | None = None,
    ) -> EvalContext:
        """An evaluation context for a scope: ``chain`` is innermost instance first."""
        repeats: dict[str, Any] = {}
        if self.repeat_names:
            for level in reversed(chain):
                for name in self.repeat_names:
                    instances = level.get(name)
                    if isinstance(instances, list):
                        repeats[name] = [i for i in instances if isinstance(i, Mapping)]
        return EvalContext(
            answers=ChainMap(*chain) if len(chain) > 1 else chain[0],
            self=value,
            position=position,
            repeats=repeats,
            choice_label=self.choice_label,
            today=clock.today,
            now=clock.now,
            choice=choice,
            tz_offset=clock.tz,
            instances=self.instances,
        )

    def choice_row(self, question: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
        row = self.lists.get(question.get("choices") or "", {}).get(name)
        if row is None and name == "other" and question.get("or_other"):
            return {"name": "other", "label": "Other"}
        return row

    def choice_for_filter(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A choice row as a choice filter sees it: the label as text in the default language."""
        flat = dict(row)
        label = row.get("label")
        if isinstance(label, Mapping):
            flat["label"] = translate(label, self.language, self.language)
        return flat


_LOGIC: dict[int, tuple[Mapping[str, Any], Logic]] = {}


def logic_for(definition: Mapping[str, Any]) -> Logic:
    """The prepared logic of a definition, cached by identity (the registry caches those)."""
    entry = _LOGIC.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    if len(_LOGIC) >= 256:
        _LOGIC.clear()
    logic = Logic(definition)
    _LOGIC[id(definition)] = (definition, logic)
    return logic


def _walk(questions: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for question in questions:
        yield question
        yield from _walk(question.get("questions") or [])


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def holds(tree: dict | None, ctx: EvalContext) -> bool:
    """Truth of a condition; no condition holds."""
    return True if tree is None else truthy(evaluate(tree, ctx))


def calculated_value(question: Mapping[str, Any], ctx: EvalContext) -> Any:
    """The value a calculate question takes (None for empty or NaN)."""
    tree = compiled(question, "calculation")
    if tree is None:
        return None
    return normalise_calculated(evaluate(tree, ctx))


def normalise_calculated(result: Any) -> Any:
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, int | float):
        if not math.isfinite(result):
            return None
        return int(result) if float(result).is_integer() and abs(result) < 2**53 else result
    text = to_string(result)
    return text or None


def same_calculated(expected: Any, sent: Any) -> bool:
    """Whether a sent calculate value matches the server's result, up to number formatting."""
    if isinstance(expected, int | float):
        number = to_number(sent)
        return not math.isnan(number) and abs(number - expected) <= 1e-9 * max(1.0, abs(expected))
    return to_string(sent) == to_string(expected)


def is_volatile(question: Mapping[str, Any]) -> bool:
    """A calculation whose result depends on the clock or language of the phone."""
    tree = compiled(question, "calculation")
    return tree is not None and bool(functions_used(tree) & VOLATILE_FUNCTIONS)


def repeat_target(question: Mapping[str, Any], ctx: EvalContext) -> int | None:
    """How many instances a repeat's ``repeat_count`` asks for, or None (no fixed count)."""
    tree = compiled(question, "repeat_count")
    if tree is None:
        return None
    number = to_number(evaluate(tree, ctx))
    if not math.isfinite(number):
        return None
    return max(0, min(MAX_REPEAT, int(number)))


# -- the HTML form's side (the server plays the phone when JavaScript is off) ---------------


def settle(definition: Mapping[str, Any], data: dict, clock: Clock | None = None) -> dict:
    """What a phone would send for these answers: calculations filled in, non-relevant
    answers left out (as the phone leaves out hidden questions). Returns a new dict.

    Used only where the server itself renders and reads the form; records that arrive
    through the sync API are never changed (they are validated as sent).
    """
    logic = logic_for(definition)
    clock = clock or Clock.current()
    settled = data
    for _ in range(5):  # calculations may feed relevance and each other; settle to a fixpoint
        updated = _settle_scope(logic, definition["questions"], settled, [settled], clock, True)
        if updated == settled:
            break
        settled = updated
    return settled


def _settle_scope(
    logic: Logic,
    questions: Sequence[Mapping[str, Any]],
    data: Mapping[str, Any],
    chain: list[Mapping[str, Any]],
    clock: Clock,
    relevant: bool,
    position: int | None = None,
) -> dict:
    out: dict[str, Any] = {}
    ctx = logic.context(chain, clock, position)
    for question in questions:
        name, kind = question["name"], question["type"]
        here = relevant and holds(compiled(question, "relevant"), ctx)
        if kind == "group":
            out.update(_settle_scope(logic, question["questions"], data, chain, clock, here, position))
            continue
        if not here:
            continue
        if kind == "calculate":
            value = calculated_value(question, ctx)
            if value is not None:
                out[name] = value
            continue
        if kind == "repeat":
            items = data.get(name)
            if isinstance(items, list):
                settled_items = []
                for index, item in enumerate(items):
                    if not isinstance(item, Mapping):
                        settled_items.append(item)
                        continue
                    settled_items.append(
                        _settle_scope(
                            logic, question["questions"], item, [item, *chain], clock, True, index + 1
                        )
                    )
                settled_items = [item for item in settled_items if item]
                if settled_items:
                    out[name] = settled_items
            continue
        if name in data:
            out[name] = data[name]
        other = name + "_other"
        if question.get("or_other") and other in data:
            chosen = data.get(name)
            picked = chosen == "other" or (isinstance(chosen, list) and "other" in chosen)
            if picked:
                out[other] = data[other]
    return out
