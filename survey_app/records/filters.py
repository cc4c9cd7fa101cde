"""The filters shared by the submissions page, every export and the summary API.

One marshmallow schema reads them from query parameters (or CLI options), so a typo such
as ``stat=approved`` is a clear 400 instead of an export of everything. They are checked
against the survey too (a version it never had, an area not in its list, an unknown
facilitator or link). ``Filters.where()`` turns them into SQL over ``submission_facts``
(see migration m0018): no JSON is parsed to filter, page or count.

No question is named here. ``area``, ``subarea`` and ``type`` are the roles the
definition's ``dashboard`` block gives (see surveys/dashboard_block.py); besides them,
any select question of the survey is a filter: ``?answer.<name>=<choice>`` always, and
under its bare name too where that is not one of the fixed filters (``?district=likoni``
where the block's area is ``district``, ``?consent=yes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlite_utils import Database

from ..errors import BadRequest
from ..exports.columns import survey_questions
from ..surveys.registry import dashboard_block, list_versions
from ..surveys.schema import walk
from .review_states import REVIEW_STATES, SOURCES

ANSWER_PREFIX = "answer."
WORD = re.compile(r"[^\W_]+")  # the words FTS5's unicode61 tokenizer sees


class FilterSchema(Schema):
    """Query parameters that narrow the records; every one is optional."""

    class Meta:
        unknown = RAISE

    version = fields.String(validate=validate.Length(min=1, max=64))
    received_from = fields.Date()
    received_to = fields.Date()
    session_from = fields.Date()
    session_to = fields.Date()
    area = fields.String(validate=validate.Length(min=1, max=80))
    subarea = fields.String(validate=validate.Length(min=1, max=80))
    type = fields.String(validate=validate.Length(min=1, max=80))
    link = fields.Integer(strict=False, validate=validate.Range(min=1, max=2**62))
    facilitator = fields.String(validate=validate.Length(min=1, max=150))
    state = fields.String(validate=validate.OneOf(REVIEW_STATES))
    validation = fields.String(validate=validate.OneOf(("valid", "quarantined")))
    source = fields.String(validate=validate.OneOf(SOURCES))
    safeguarding = fields.Boolean()
    conflict = fields.Boolean()
    q = fields.String(validate=validate.Length(min=1, max=200))

    @validates_schema
    def check_ranges(self, data: dict, **kwargs) -> None:
        for start, end in (("received_from", "received_to"), ("session_from", "session_to")):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                raise ValidationError(f"{start} is after {end}.", end)
        if "q" in data and not WORD.search(data["q"]):
            raise ValidationError("Search for at least one word or number.", "q")


FILTER_NAMES = tuple(FilterSchema().fields)


@dataclass(frozen=True)
class Filters:
    """Validated filters for one survey; ``params`` echoes them for links and the audit log."""

    survey_id: str
    version: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    session_from: date | None = None
    session_to: date | None = None
    area: str | None = None
    subarea: str | None = None
    type: str | None = None
    link: int | None = None
    facilitator: str | None = None
    facilitator_id: int | None = None
    state: str | None = None
    validation: str | None = None
    source: str | None = None
    safeguarding: bool | None = None
    conflict: bool | None = None
    q: str | None = None
    answers: tuple[tuple[str, str], ...] = ()  # (select question, choice name)
    params: dict[str, str] = field(default_factory=dict, compare=False)

    def where(self, alias: str = "f") -> tuple[str, list[Any]]:
        """SQL conditions over ``submission_facts`` (aliased), and their parameters.

        Only ``survey_id`` and the date ranges may steer an index; the other equalities
        carry a unary ``+`` so SQLite checks them on the covering index it is already
        reading (without it, SQLite 3.40 sorts the dashboard's groups for no gain).
        """
        a = alias
        clauses, params = [f"{a}.survey_id = ?"], [self.survey_id]

        def add(sql: str, value: Any) -> None:
            clauses.append(sql)
            params.append(value)

        if self.version:
            add(f"+{a}.version = ?", self.version)
        if self.received_from:
            add(f"{a}.received_at >= ?", self.received_from.isoformat())
        if self.received_to:
            add(f"{a}.received_at < ?", (self.received_to + timedelta(days=1)).isoformat())
        if self.session_from:
            add(f"{a}.day >= ?", self.session_from.isoformat())
        if self.session_to:
            add(f"{a}.day <= ?", self.session_to.isoformat())
        equal = {
            "area": self.area,
            "subarea": self.subarea,
            "kind": self.type,
            "link_id": self.link,
            "submitted_by": self.facilitator_id,
            "review_state": self.state,
            "validation": self.validation,
            "by_link": None if self.source is None else int(self.source == "link"),
            "safeguarding": None if self.safeguarding is None else int(self.safeguarding),
            "has_conflict": None if self.conflict is None else int(self.conflict),
        }
        for column, value in equal.items():
            if value is not None:
                add(f"+{a}.{column} = ?", value)
        for question, value in self.answers:
            clauses.append(
                f"{a}.fid IN (SELECT fid FROM submission_answers WHERE survey_id = ? AND question = ?"
                " AND value = ?)"
            )
            params.extend([self.survey_id, question, value])
        if self.q:
            add(
                f"{a}.fid IN (SELECT rowid FROM submission_search WHERE submission_search MATCH ?)",
                fts_query(self.q),
            )
        return " AND ".join(clauses), params

    def only_survey(self) -> bool:
        """True when nothing narrows the records but the survey itself."""
        return not self.as_dict().keys() - {"survey_id"}

    def describe(self) -> dict[str, str]:
        """The filters as given, for the audit log and for links that keep them."""
        return dict(self.params)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v != () and k != "params"}


def fts_query(text: str) -> str:
    """Every word must appear (as a prefix): user text never reaches FTS5 syntax."""
    words = WORD.findall(text)[:12]
    return " ".join('"' + word.replace('"', "") + '"*' for word in words)


def parse_filters(
    db: Database, survey_id: str, args: Mapping[str, str], allowed_extra: Iterable[str] = ()
) -> Filters:
    """Read and check filters for a survey; raise ``BadRequest`` (400) with every problem."""
    extra = set(allowed_extra)
    raw = {
        key: value.strip()
        for key, value in args.items()
        if key not in extra and isinstance(value, str) and value.strip() != ""
    }
    selects = _select_questions(db, survey_id)
    block = dashboard_block(db, survey_id)
    roles = dict(zip(block.area, ("area", "subarea"), strict=False))
    if block.group_kind:
        roles[block.group_kind] = "type"
    fixed, answers, aliases = {}, [], {}
    for key, value in raw.items():
        if key.startswith(ANSWER_PREFIX) and key[len(ANSWER_PREFIX) :] in selects and len(value) <= 200:
            answers.append((key[len(ANSWER_PREFIX) :], value))
        elif key in FILTER_NAMES or key not in selects:
            fixed[key] = value
        elif key in roles and roles[key] not in raw:
            fixed[roles[key]] = value  # ?district=likoni where the block's area is district
            aliases[roles[key]] = key
        elif len(value) <= 200:
            answers.append((key, value))
    try:
        loaded = FilterSchema().load(fixed)
    except ValidationError as exc:
        raise BadRequest(_summary(exc.messages), exc.messages) from exc
    errors = {aliases.get(k, k): v for k, v in _check_against_survey(db, survey_id, loaded, block).items()}
    for key, value in answers:
        _check_choice(errors, key, value, selects[key])
    if errors:
        raise BadRequest(_summary(errors), errors)
    return Filters(survey_id=survey_id, params=raw, answers=tuple(sorted(answers)), **loaded)


def _select_questions(db: Database, survey_id: str) -> dict[str, tuple[dict, dict]]:
    """The survey's select questions outside repeats (any version), by name."""
    found = survey_questions(db, survey_id)
    inside = {
        child["name"]
        for q, _ in found.values()
        if q.get("type") == "repeat"
        for child in walk(q.get("questions") or [])
    }
    return {
        name: item
        for name, item in found.items()
        if item[0].get("type") in ("select_one", "select_multiple") and name not in inside
    }


def _summary(errors: dict) -> str:
    names = ", ".join(sorted(errors))
    return f"Some filters are not valid ({names}): see errors."


def _check_against_survey(db: Database, survey_id: str, loaded: dict, block) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "version" in loaded and loaded["version"] not in list_versions(db, survey_id):
        errors["version"] = [f"Survey {survey_id} has no version {loaded['version']!r}."]
    if "facilitator" in loaded:
        row = db.execute("SELECT id FROM users WHERE username = ?", [loaded["facilitator"]]).fetchone()
        if row is None:
            errors["facilitator"] = [f"There is no account {loaded['facilitator']!r}."]
        else:
            loaded["facilitator_id"] = row[0]
    if "link" in loaded:
        row = db.execute(
            "SELECT 1 FROM public_links WHERE id = ? AND survey_id = ?", [loaded["link"], survey_id]
        ).fetchone()
        if row is None:
            errors["link"] = [f"Survey {survey_id} has no public link {loaded['link']}."]
    questions = survey_questions(db, survey_id)
    for key, position in (("area", 0), ("subarea", 1)):
        if key not in loaded:
            continue
        if len(block.area) <= position:
            errors[key] = ["This survey's dashboard names no such area level."]
        elif position == 0 and block.area_is_text:
            loaded[key] = loaded[key].lower()  # typed names are kept lower-case
        elif block.area[position] in questions:
            _check_choice(errors, key, loaded[key], questions[block.area[position]])
    if "type" in loaded:
        if not block.group_kind or block.group_kind not in questions:
            errors["type"] = ["This survey's dashboard names no kind of group."]
        else:
            _check_choice(errors, "type", loaded["type"], questions[block.group_kind])
    return errors


def _check_choice(errors: dict, key: str, value: str, found: tuple[dict, dict]) -> None:
    question, definition = found
    names = {c["name"] for c in definition["choice_lists"].get(question.get("choices"), [])}
    if question.get("or_other"):
        names.add("other")
    if names and value not in names:
        errors[key] = [f"{value!r} is not one of this survey's choices for {question['name']}."]
