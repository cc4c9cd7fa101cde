"""Check submitted answers against their own definition version.

The result never changes the data: a record that breaks its rules is kept as sent and
quarantined with these messages, so a coordinator can look at it (field data is never
dropped). Messages are keyed by question path (``networks[2].org_name``).

Beyond types, choices and ranges, the form's logic is applied exactly as the phone applies
it (:mod:`survey_app.engine.logic`): ``required`` only where the question is relevant, an
answer to a question that does not apply is flagged (never deleted), ``constraint`` with its
``constraint_message``, a select answer outside its ``choice_filter``, a repeat whose number
of entries differs from its ``repeat_count``, and a ``calculate`` value that differs from
the server's result. A calculation is only compared when the server can compute it from the
answers and it does not use the clock or the display language (``now()``, ``today()``,
``jr:choice-name()``); numbers compare as numbers (``"9"``, ``9`` and ``9.0`` agree).
A missing calculated value is not an error: the server can always recompute it.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import date, datetime, time
from typing import Any

from ..attachments.model import valid_name
from ..engine.expressions import to_string
from ..engine.logic import (
    Clock,
    calculated_value,
    holds,
    logic_for,
    repeat_target,
    same_calculated,
)
from .messages import Message, authored, message
from .plan import Step, plan_for
from .schema import FILE_TYPES, METADATA_TYPES, NOT_CAPTURED_TYPES, SELECT_TYPES, walk

Errors = dict[str, list[Message]]  # messages are codes with parameters (surveys/messages.py)
log = logging.getLogger(__name__)

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


def _check_value(
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
        parsed = _parse(date.fromisoformat, value)
        if parsed is None or len(value) != 10:
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


def _open_choice(kind: str, value: Any) -> Message | None:
    """A select whose choices are in a missing attachment: any choice name is kept."""
    if kind == "select_one":
        return None if isinstance(value, str) else message("choice")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return message("choice_list")
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


class _Scope:
    """One scope being validated: the whole form, or one repeat instance."""

    def __init__(self, checker: _Checker, data: dict, chain: list, prefix: str, position):
        self.checker = checker
        self.data = data
        self.chain = chain
        self.prefix = prefix
        self.position = position
        self._ctx = None
        self._relevant: dict[str, bool] = {}

    @property
    def ctx(self):
        """The scope's evaluation context, built only if an expression needs it."""
        if self._ctx is None:
            self._ctx = self.checker.logic.context(self.chain, self.checker.clock, self.position)
        return self._ctx

    def applies(self, step: Step) -> bool:
        """A question's own ``relevant``; the same condition (often on every group) once."""
        source = step.relevant
        if source not in self._relevant:
            self._relevant[source] = holds(step.relevant_tree, self.ctx)
        return self._relevant[source]

    def holds_with(self, tree: dict, value: Any = None, choice: Any = None) -> bool:
        """A condition on the answer (``.``) or a choice row, in this scope's context."""
        ctx = self.ctx
        saved = ctx.self, ctx.choice
        ctx.self, ctx.choice = value, choice
        try:
            return holds(tree, ctx)
        finally:
            ctx.self, ctx.choice = saved

    def add(self, name: str, problem: Message) -> None:
        self.checker.errors.setdefault(self.prefix + name, []).append(problem)


class _Checker:
    """Walks a submission against its definition, collecting every problem."""

    def __init__(self, definition: dict, clock: Clock):
        self.definition = definition
        self.logic = logic_for(definition)
        self.clock = clock
        self.errors: Errors = {}

    def scope(self, questions: list[dict], data: Any, chain: list, prefix: str, position=None):
        if not isinstance(data, dict):
            self.errors.setdefault(prefix.rstrip(".") or "data", []).append(message("object"))
            return
        scope = _Scope(self, data, [data, *chain], prefix, position)
        known = self.logic.memo(("names", id(questions)), lambda: known_names(questions))
        if not data.keys() <= known:
            for key in sorted(set(data) - known):
                scope.add(key, message("unknown_question"))
        self.questions(scope, plan_for(self.logic, questions), None)

    def questions(self, scope: _Scope, steps: tuple[Step, ...], hidden_by: str | None) -> None:
        for step in steps:
            reason = hidden_by
            if reason is None and step.relevant and not scope.applies(step):
                reason = step.relevant
            if step.kind == "group":
                self.questions(scope, step.children, reason)
            else:
                self.question(scope, step, reason)

    def question(self, scope: _Scope, step: Step, hidden_by: str | None) -> None:
        name, kind, question = step.name, step.kind, step.question
        value = scope.data.get(name)
        other = scope.data.get(step.other) if step.other else None
        if hidden_by is not None:
            # The phone never sends a hidden answer; one that arrives is kept, and flagged.
            for key, sent in ((name, value), (name + "_other", other)):
                if not is_blank(sent):
                    scope.add(key, message("not_relevant", condition=hidden_by))
            return
        if is_blank(value):
            if self.required(scope, step) and kind not in ("note", "calculate", "repeat"):
                # The plain sentence, then the form author's own message (in every language).
                scope.add(name, self.authored("required", question.get("required_message")))
            if not is_blank(other):
                scope.add(name + "_other", message("other_not_chosen"))
            return
        if kind == "repeat":
            self.repeat(scope, question, value)
            return
        if kind in SELECT_TYPES and step.allowed is None:
            problem = _open_choice(kind, value)
        else:
            problem = _check_value(self.definition, question, value, step.allowed)
        if problem:
            scope.add(name, problem)
            return
        if kind in SELECT_TYPES:
            self.choice_filter(scope, step, value)
            chosen = value if isinstance(value, list) else [value]
            if not is_blank(other) and "other" not in chosen:
                scope.add(name + "_other", message("other_not_chosen"))
        if step.compare_calculation and (step.locked_tree is None or holds(step.locked_tree, scope.ctx)):
            self.calculation(scope, question, value)
        if step.constraint_tree is not None and not scope.holds_with(step.constraint_tree, value=value):
            text = question.get("constraint_message")
            scope.add(name, self.authored("constraint", text, condition=step.constraint))

    def authored(self, code: str, text: Any, **params: Any) -> Message:
        return authored(code, text, self.definition.get("default_language", "en"), **params)

    def required(self, scope: _Scope, step: Step) -> bool:
        """``required``: true/false, or an expression evaluated where the question is."""
        if step.required_tree is not None:
            return holds(step.required_tree, scope.ctx)
        return step.required

    def repeat(self, scope: _Scope, question: dict, value: Any) -> None:
        name = question["name"]
        if not isinstance(value, list):
            scope.add(name, message("entries"))
            return
        target = repeat_target(question, scope.ctx)
        if target is not None and target != len(value):
            scope.add(
                name,
                message("repeat_count", n=len(value), expression=question["repeat_count"], target=target),
            )
        for index, item in enumerate(value):
            self.scope(question["questions"], item, scope.chain, f"{scope.prefix}{name}[{index}].", index + 1)

    def choice_filter(self, scope: _Scope, step: Step, value: Any) -> None:
        tree = step.filter_tree
        if tree is None:
            return
        question = step.question
        refused = []
        for choice in value if isinstance(value, list) else [value]:
            row = self.logic.choice_row(question, choice)
            if row is None or choice == "other":
                continue
            if not scope.holds_with(tree, choice=self.logic.choice_for_filter(row)):
                refused.append(choice)
        if refused:
            scope.add(
                question["name"],
                message("filtered", choices=", ".join(refused), filter=question["choice_filter"]),
            )

    def calculation(self, scope: _Scope, question: dict, value: Any) -> None:
        # A calculation the phone could not have computed like the server (clock, display
        # language) is left alone (see Step.compare_calculation); so is one the server cannot compute.
        expected = calculated_value(question, scope.ctx)
        if expected is not None and not same_calculated(expected, value):
            scope.add(
                question["name"],
                message(
                    "calculation",
                    sent=str(to_string(value)),
                    calculation=question["calculation"],
                    expected=str(to_string(expected)),
                ),
            )


def validate_scope(definition: dict, questions: list[dict], data: Any, prefix: str = "") -> Errors:
    """Validate one scope (the whole form, or one repeat instance) on its own."""
    checker = _Checker(definition, Clock.current())
    checker.scope(questions, data, [], prefix)
    return checker.errors


def validate_submission(definition: dict, data: Any, meta: Any = None) -> Errors:
    """Return every problem with a submission's answers ({} if it is valid).

    ``today()`` and ``now()`` are read at the record's ``meta.finalized_at`` when given
    (a record synced a week late must not fail a "not in the future" constraint).
    """
    stamp = meta.get("finalized_at") if isinstance(meta, dict) else None
    if stamp is None and isinstance(data, dict):
        ends = [q["name"] for q in walk(definition["questions"]) if q["type"] == "end"]
        stamp = next((data[n] for n in ends if isinstance(data.get(n), str)), None)
    checker = _Checker(definition, Clock.at(stamp))
    try:
        checker.scope(definition["questions"], data, [], "")
    except Exception as exc:  # noqa: BLE001 - any input the checks did not foresee
        # A record the checks cannot judge must not fail its batch on every retry (a
        # "poison" record keeps the good ones behind it off the server): it is kept and
        # quarantined with this reason. The log names the error's type, never the answers.
        log.warning("validation could not judge a record of %s: %s", definition.get("id"), type(exc).__name__)
        checker.errors.setdefault("_record", []).append(message("unjudged", error=type(exc).__name__))
    return checker.errors


def input_questions(definition: dict) -> list[dict]:
    """Every question that carries an answer (for exports and the form)."""
    return [q for q in walk(definition["questions"]) if q["type"] not in ("group", "note")]
