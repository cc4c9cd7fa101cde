"""The optional ``dashboard`` block of a definition: which questions the dashboard reads.

The dashboard, the derived index (``records/derived_index.py``), the shared filters and
the review queues never name a question of their own: they ask this module which
question is the date, the area hierarchy, the kind of group, the people counts, the
scores, the concerns, the safeguarding flag and the networks repeat of a survey. A
survey without the block still gets a dashboard built question by question from its
definition (``dashboard/questions.py``). See docs/definitions.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .schema import walk

MAX_NUMBERS = 12  # number slots in submission_facts (people parts + among + scores)
DATE_TYPES = {"date", "datetime", "today"}
NUMBER_TYPES = {"integer", "decimal", "range", "calculate"}
AREA_TYPES = {"select_one", "text"}


class _FlagSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    question = fields.String(required=True)
    flagged = fields.List(fields.String(), load_default=lambda: ["yes"])


class _PeopleSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    parts = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    among = fields.List(fields.String(), load_default=list)


class _NetworksSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    repeat = fields.String(required=True)
    name = fields.String()
    type = fields.String()
    partner = fields.String()
    partner_yes = fields.List(fields.String(), load_default=lambda: ["yes"])


class BlockSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    unit = fields.String(load_default="responses", validate=validate.OneOf(("sessions", "responses")))
    filled_by = fields.String(load_default="anyone", validate=validate.OneOf(("anyone", "facilitators")))
    date = fields.String()
    area = fields.List(fields.String(), validate=validate.Length(min=1, max=2))
    group_kind = fields.String()
    people = fields.Nested(_PeopleSchema)
    scores = fields.List(fields.String(), load_default=list)
    concerns = fields.String()
    safeguarding = fields.Nested(_FlagSchema)
    networks = fields.Nested(_NetworksSchema)


@dataclass(frozen=True)
class Block:
    """The roles of one definition's questions (every field optional)."""

    unit: str = "responses"
    filled_by: str = "anyone"  # "facilitators": no public links for this survey
    date: str | None = None
    area: tuple[str, ...] = ()
    area_is_text: bool = False
    group_kind: str | None = None
    parts: tuple[str, ...] = ()
    among: tuple[str, ...] = ()
    scores: tuple[str, ...] = ()
    concerns: str | None = None
    safeguarding: str | None = None
    flagged: tuple[str, ...] = ()
    networks: dict[str, Any] = field(default_factory=dict)

    @property
    def numbers(self) -> tuple[str, ...]:
        """Every number the facts row keeps, in slot order: people parts, among, scores."""
        return self.parts + self.among + self.scores

    @property
    def present(self) -> bool:
        return bool(self.date or self.area or self.group_kind or self.numbers or self.concerns)


EMPTY = Block()


def check_block(raw: Any, questions: dict[str, dict]) -> dict[str, list[str]]:
    """Problems with a definition's block (``questions``: every question by name)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        return {"dashboard": ["The dashboard block must be an object."]}
    try:
        loaded = BlockSchema().load(raw)
    except ValidationError as exc:
        return {"dashboard": [f"{key}: {value}" for key, value in exc.messages.items()]}
    errors: list[str] = []

    def need(name: str | None, types: set[str], role: str) -> None:
        if name is None:
            return
        question = questions.get(name)
        if question is None:
            errors.append(f"{role}: there is no question {name!r}.")
        elif types and question["type"] not in types:
            errors.append(f"{role}: {name!r} is a {question['type']}, not one of {', '.join(sorted(types))}.")

    need(loaded.get("date"), DATE_TYPES, "date")
    for name in loaded.get("area", []):
        need(name, AREA_TYPES, "area")
    need(loaded.get("group_kind"), {"select_one"}, "group_kind")
    people = loaded.get("people") or {}
    numbers = [*people.get("parts", []), *people.get("among", []), *loaded.get("scores", [])]
    for name in numbers:
        need(name, NUMBER_TYPES, "people/scores")
    if len(numbers) > MAX_NUMBERS:
        errors.append(f"people and scores name {len(numbers)} questions; at most {MAX_NUMBERS}.")
    need(loaded.get("concerns"), {"select_multiple", "select_one"}, "concerns")
    if loaded.get("safeguarding"):
        need(loaded["safeguarding"]["question"], {"select_one", "acknowledge"}, "safeguarding")
    networks = loaded.get("networks")
    if networks:
        need(networks["repeat"], {"repeat"}, "networks")
        children = {q["name"] for q in walk(questions.get(networks["repeat"], {}).get("questions") or [])}
        for key in ("name", "type", "partner"):
            if networks.get(key) and networks[key] not in children:
                errors.append(f"networks.{key}: {networks[key]!r} is not a question of the repeat.")
    return {"dashboard": errors} if errors else {}


def block_of(definition: dict | None) -> Block:
    """The definition's block, read defensively (a stored definition is trusted but old)."""
    raw = (definition or {}).get("dashboard")
    if not isinstance(raw, dict):
        return EMPTY
    try:
        loaded = BlockSchema().load(raw)
    except ValidationError:
        return EMPTY
    questions = {q["name"]: q for q in walk(definition.get("questions") or [])}
    area = tuple(n for n in loaded.get("area", []) if n in questions)
    people = loaded.get("people") or {}
    flag = loaded.get("safeguarding") or {}
    return Block(
        unit=loaded["unit"],
        filled_by=loaded["filled_by"],
        date=loaded.get("date"),
        area=area,
        area_is_text=bool(area) and questions[area[0]]["type"] == "text",
        group_kind=loaded.get("group_kind"),
        parts=tuple(people.get("parts", [])),
        among=tuple(people.get("among", [])),
        scores=tuple(loaded.get("scores", [])),
        concerns=loaded.get("concerns"),
        safeguarding=flag.get("question"),
        flagged=tuple(flag.get("flagged", [])),
        networks=dict(loaded.get("networks") or {}),
    )
