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
from typing import Any

from ..engine.expressions import to_string
from ..engine.logic import Clock, logic_for, normalise_calculated, repeat_target, same_calculated
from .answer_checks import MAX_SAFE_INTEGER, check_value, choice_names, is_blank, open_choice
from .messages import Message, authored, message
from .plan import Condition, Step, plan_for
from .schema import SELECT_TYPES, walk

__all__ = ["MAX_SAFE_INTEGER", "check_value", "choice_names", "is_blank", "validate_submission"]

Errors = dict[str, list[Message]]  # messages are codes with parameters (surveys/messages.py)
log = logging.getLogger(__name__)


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


def _chose_other(value: Any) -> bool:
    return "other" in (value if isinstance(value, list) else [value])


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
            condition = step.relevant_holds
            self._relevant[source] = True if condition is None else condition(self.ctx)
        return self._relevant[source]

    def holds_with(self, condition: Condition, value: Any = None, choice: Any = None) -> bool:
        """A condition on the answer (``.``) or a choice row, in this scope's context."""
        ctx = self.ctx
        saved = ctx.self, ctx.choice
        ctx.self, ctx.choice = value, choice
        try:
            return condition(ctx)
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
        data = scope.data
        for step in steps:
            if step.fast and hidden_by is None:
                # Most questions of most forms: the answer, its check, required, and the
                # "other" text (what question() does, for a question with no logic).
                value = data.get(step.name)
                if is_blank(value):
                    if step.required:
                        scope.add(step.name, self.authored("required", step.question.get("required_message")))
                    if step.other and not is_blank(data.get(step.other)):
                        scope.add(step.other, message("other_not_chosen"))
                    continue
                problem = step.check(value)
                if problem is not None:
                    scope.add(step.name, problem)
                elif step.other and not is_blank(data.get(step.other)) and not _chose_other(value):
                    scope.add(step.other, message("other_not_chosen"))
                continue
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
            if self.required(scope, step):  # never for a note, calculate or repeat (plan.py)
                # The plain sentence, then the form author's own message (in every language).
                scope.add(name, self.authored("required", question.get("required_message")))
            if not is_blank(other):
                scope.add(name + "_other", message("other_not_chosen"))
            return
        if kind == "repeat":
            self.repeat(scope, question, value)
            return
        if kind in SELECT_TYPES and step.allowed is None:
            problem = open_choice(kind, value)
        else:
            problem = step.check(value)
        if problem:
            scope.add(name, problem)
            return
        if kind in SELECT_TYPES:
            self.choice_filter(scope, step, value)
            if not is_blank(other) and not _chose_other(value):
                scope.add(name + "_other", message("other_not_chosen"))
        if step.compare_calculation and (step.locked_holds is None or step.locked_holds(scope.ctx)):
            self.calculation(scope, step, value)
        if step.constraint_holds is not None and not scope.holds_with(step.constraint_holds, value=value):
            text = question.get("constraint_message")
            scope.add(name, self.authored("constraint", text, condition=step.constraint))

    def authored(self, code: str, text: Any, **params: Any) -> Message:
        return authored(code, text, self.definition.get("default_language", "en"), **params)

    def required(self, scope: _Scope, step: Step) -> bool:
        """``required``: true/false, or an expression evaluated where the question is."""
        if step.required_holds is not None:
            return step.required_holds(scope.ctx)
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
        condition = step.filter_holds
        if condition is None:
            return
        question = step.question
        refused = []
        for choice in value if isinstance(value, list) else [value]:
            row = step.filter_rows.get(choice)  # "other" and unknown names are not filtered
            if row is None or choice == "other":
                continue
            if not scope.holds_with(condition, choice=row):
                refused.append(choice)
        if refused:
            scope.add(
                question["name"],
                message("filtered", choices=", ".join(refused), filter=question["choice_filter"]),
            )

    def calculation(self, scope: _Scope, step: Step, value: Any) -> None:
        # A calculation the phone could not have computed like the server (clock, display
        # language) is left alone (see Step.compare_calculation); so is one the server cannot compute.
        question = step.question
        expected = None if step.calculation is None else normalise_calculated(step.calculation(scope.ctx))
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
