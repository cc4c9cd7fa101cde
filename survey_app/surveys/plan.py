"""A validation plan: a published version's questions compiled once into flat steps.

Why: validation is most of the server's work on sync, and a version is immutable, so what a
check needs from each question (its syntax trees, its allowed choices, its messages in the
default language, whether its calculation can be compared) is worked out once per version
and cached with its :class:`~survey_app.engine.logic.Logic`, instead of being looked up in
the definition's dictionaries for every question of every record.

Each expression is compiled into a closure (:mod:`survey_app.engine.expr_compile`) and each
answer check into one (:func:`~survey_app.surveys.answer_checks.answer_check`). A question
with no logic of its own (``fast``) is checked by the walk in a few lines; the plan is what
makes validation cheaper than storing the record (bench/bench_ingest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine.expr_compile import compile_condition, compile_tree
from ..engine.expressions import EvalContext
from ..engine.logic import Logic, compiled, is_volatile
from .answer_checks import AnswerCheck, answer_check
from .schema import SELECT_TYPES

Condition = Callable[[EvalContext], bool]
UNREQUIRED = frozenset({"note", "calculate", "repeat"})


@dataclass(frozen=True, slots=True)
class Step:
    """One question as validation sees it."""

    question: dict
    name: str
    kind: str
    other: str | None  # "<name>_other" when the select has or_other
    relevant: str | None
    relevant_holds: Condition | None
    required: bool
    required_holds: Condition | None
    constraint: str | None
    constraint_holds: Condition | None
    allowed: frozenset[str] | None  # select choices; None: any text (a missing attachment)
    filter_holds: Condition | None
    filter_rows: dict[str, dict]  # choice name -> its row as a choice_filter sees it
    # Compare the answer with the calculation's result: a ``calculate``, or a question with
    # a ``calculation`` the person could not change (``read_only``; ``locked_tree``: read-only
    # only where that expression holds). Clock or display-language calculations never are.
    compare_calculation: bool
    locked_holds: Condition | None
    calculation: Callable[[EvalContext], Any] | None
    check: AnswerCheck  # what is wrong with a non-blank answer (not the logic)
    # Nothing but the answer (and a select's "other" text) to check: no relevance,
    # constraint, filter, calculation or required expression, and a kind that holds an
    # answer of its own.
    fast: bool
    children: tuple[Step, ...]


def _allowed(definition: dict, question: dict) -> frozenset[str] | None:
    listed = question.get("choices_file")
    if listed and (definition.get("attachments") or {}).get(listed, {}).get("missing"):
        return None  # the choices are not known yet: any choice name is kept as sent
    names = {c["name"] for c in definition["choice_lists"].get(question["choices"], [])}
    if question.get("or_other"):
        names.add("other")
    return frozenset(names)


def _condition(question: dict, key: str) -> Condition | None:
    tree = compiled(question, key)
    return None if tree is None else compile_condition(tree)


def _compared(question: dict) -> tuple[bool, dict | None]:
    """Whether (and where) a question's answer must equal its calculation.

    On the phone, as in ODK, a calculation on any question fills it again whenever what it
    reads changes; on an editable question the person may then change it, and that answer
    stands, so only a read-only one is bound to the result (docs/form-engine.md).
    """
    if "calculation" not in question or is_volatile(question):
        return False, None
    if question["type"] == "calculate":
        return True, None
    read_only = question.get("read_only")
    if read_only is True:
        return True, None
    if isinstance(read_only, str) and read_only:
        tree = compiled(question, "read_only")
        return tree is not None, tree
    return False, None


def _filter_rows(logic: Logic, question: dict) -> dict[str, dict]:
    rows = logic.lists.get(question.get("choices") or "", {})
    return {name: logic.choice_for_filter(row) for name, row in rows.items()}


def _step(logic: Logic, question: dict) -> Step:
    definition = logic.definition
    kind = question["type"]
    required = question.get("required")
    compare, locked = _compared(question)
    calculation = compiled(question, "calculation") if compare else None
    allowed = _allowed(definition, question) if kind in SELECT_TYPES else frozenset()
    relevant = _condition(question, "relevant")
    # A note, a calculation or a repeat is never "required" (nothing to type in).
    required_holds = (
        _condition(question, "required") if isinstance(required, str) and kind not in UNREQUIRED else None
    )
    constraint = _condition(question, "constraint") if "constraint" in question else None
    choice_filter = _condition(question, "choice_filter") if "choice_filter" in question else None
    fast = (
        kind not in ("group", "repeat", "calculate")
        and not (kind in SELECT_TYPES and allowed is None)
        and not question.get("relevant")
        and relevant is None
        and required_holds is None
        and constraint is None
        and choice_filter is None
        and (not question.get("or_other") or kind in SELECT_TYPES)
        and not compare
    )
    return Step(
        question=question,
        name=question["name"],
        kind=kind,
        other=question["name"] + "_other" if question.get("or_other") else None,
        relevant=question.get("relevant") or None,
        relevant_holds=relevant,
        required=required is True and kind not in UNREQUIRED,
        required_holds=required_holds,
        constraint=question.get("constraint"),
        constraint_holds=constraint,
        allowed=allowed,
        filter_holds=choice_filter,
        filter_rows=_filter_rows(logic, question) if choice_filter is not None else {},
        compare_calculation=compare,
        locked_holds=None if locked is None else compile_condition(locked),
        calculation=None if calculation is None else compile_tree(calculation),
        check=answer_check(definition, question, allowed),
        fast=fast,
        children=tuple(_step(logic, q) for q in question.get("questions") or ()),
    )


def plan_for(logic: Logic, questions: list[dict]) -> tuple[Step, ...]:
    """The steps of one scope's questions, compiled once per version (cached on its Logic)."""
    return logic.memo(("plan", id(questions)), lambda: tuple(_step(logic, q) for q in questions))
