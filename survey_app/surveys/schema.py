"""The survey definition format (docs/definitions.md), validated with marshmallow.

A definition is the single source of truth for a survey version: the form page, the
server-side validation, the phone's logic, the export columns and the codebook all
derive from it. Validation here refuses anything the rest of the app could not handle.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

SLUG = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
#: A question name: an XML name as XLSForm allows (letters, digits, ``_``, ``.``, ``-``); a
#: name used in several groups is scoped by its path, ``group/name``.
NAME = re.compile(r"^[^\W\d][\w.\-]*(?:/[^\W\d][\w.\-]*)*$")

INPUT_TYPES = {
    "text",
    "integer",
    "decimal",
    "select_one",
    "select_multiple",
    "date",
    "time",
    "datetime",
    "acknowledge",
    "range",
    "geopoint",
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "geotrace",
    "geoshape",
    "osm",
}
# Questions answered with a file: the answer is the file's name, the bytes are uploaded
# separately (survey_app/attachments). Signatures and drawings are images (appearance).
FILE_TYPES = {"image", "audio", "video", "file"}
#: Shown with a note: their capture is not built, so they take no answer from the form.
NOT_CAPTURED_TYPES = {"osm"}
DISPLAY_TYPES = {"note"}
COMPUTED_TYPES = {"calculate", "hidden"}
#: Filled by the app, never shown. A browser cannot read phonenumber, email, simserial or
#: subscriberid: they stay empty; start_geopoint is taken once when the form opens.
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "email",
    "simserial",
    "subscriberid",
    "start_geopoint",
}
CONTAINER_TYPES = {"group", "repeat"}
ALL_TYPES = INPUT_TYPES | DISPLAY_TYPES | COMPUTED_TYPES | METADATA_TYPES | CONTAINER_TYPES
SELECT_TYPES = {"select_one", "select_multiple"}
#: Keys holding an expression (source text, compiled on publish). ``required`` and
#: ``read_only`` are either true/false or an expression.
EXPRESSION_KEYS = (
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "repeat_count",
    "required",
    "read_only",
    "dynamic_default",
)


class Flag(fields.Field):
    """``true``/``false``, or an XLSForm expression (``${age} >= 18``) as text."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> bool | str:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip():
            return value
        raise ValidationError("Must be true, false or an expression.")


class Translated(fields.Field):
    """Translated text: ``{"en": "...", "fr": "..."}``; a plain string is taken as is."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dict[str, str] | str:
        if isinstance(value, str):
            return value
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        ):
            return value
        raise ValidationError("Must be text or an object of language code to text.")


class ChoiceSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # extra keys (e.g. district) are kept by the caller, see below

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    label = Translated(required=True)


class RangeSchema(Schema):
    start = fields.Float(required=True)
    end = fields.Float(required=True)
    step = fields.Float(load_default=1, validate=validate.Range(min=0, min_inclusive=False))


class RegistrySchema(Schema):
    """A repeat's declaration that each instance names an organisation or network
    (docs/action-plans.md): which of its questions hold the name, type, what it does and
    whether it could partner. Only ``name`` is required."""

    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Regexp(NAME))
    type = fields.String(validate=validate.Regexp(NAME))
    does = fields.String(validate=validate.Regexp(NAME))
    partner = fields.String(validate=validate.Regexp(NAME))


class QuestionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Regexp(NAME, error="Not a valid name."))
    type = fields.String(required=True, validate=validate.OneOf(sorted(ALL_TYPES)))
    label = Translated()
    hint = Translated()
    label_name = fields.String()
    required = Flag(load_default=False)
    required_message = Translated()
    choices = fields.String()
    or_other = fields.Boolean(load_default=False)
    min = fields.Raw()
    max = fields.Raw()
    min_length = fields.Integer(validate=validate.Range(min=0))
    max_length = fields.Integer(validate=validate.Range(min=1))
    range = fields.Nested(RangeSchema)
    appearance = fields.String()
    default = fields.Raw()
    read_only = Flag(load_default=False)
    dynamic_default = fields.String()
    guidance_hint = Translated()
    media = fields.Dict(keys=fields.String(), values=Translated())
    choices_file = fields.String()
    relevant = fields.String()
    constraint = fields.String()
    constraint_message = Translated()
    calculation = fields.String()
    choice_filter = fields.String()
    repeat_count = fields.String()
    max_pixels = fields.Integer(validate=validate.Range(min=64, max=20000))  # images: longest side
    max_bytes = fields.Integer(validate=validate.Range(min=1))  # video and file: largest file
    questions = fields.List(fields.Nested(lambda: QuestionSchema()))
    registry = fields.Nested(RegistrySchema)

    @validates_schema
    def check_shape(self, data: dict, **kwargs) -> None:
        kind = data["type"]
        if "registry" in data:
            _check_registry(data)
        if kind in SELECT_TYPES and not data.get("choices"):
            raise ValidationError("A select question needs a choice list.", "choices")
        if kind in CONTAINER_TYPES and not data.get("questions"):
            raise ValidationError("A group or repeat needs questions.", "questions")
        if kind == "range" and "range" not in data:
            raise ValidationError("A range question needs start and end.", "range")
        if kind == "calculate" and not data.get("calculation"):
            raise ValidationError("A calculate question needs a calculation.", "calculation")


class DefinitionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Regexp(SLUG, error="Use a-z, 0-9 and _."))
    version = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = Translated(required=True)
    description = Translated()
    default_language = fields.String(load_default="en", validate=validate.Length(min=2, max=16))
    languages = fields.List(fields.String(validate=validate.Length(min=2, max=16)))
    choice_lists = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Nested(ChoiceSchema)), load_default=dict
    )
    questions = fields.List(fields.Nested(QuestionSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def check_references(self, data: dict, **kwargs) -> None:
        errors: dict[str, list[str]] = {}
        seen: set[str] = set()
        for question in walk(data.get("questions", [])):
            name = question["name"]
            if name in seen:
                errors.setdefault("questions", []).append(f"The name {name!r} is used twice.")
            seen.add(name)
            listed = question.get("choices")
            if listed and listed not in data.get("choice_lists", {}):
                errors.setdefault("questions", []).append(
                    f"{name}: the choice list {listed!r} does not exist."
                )
        if errors:
            raise ValidationError(errors)


def _check_registry(question: dict) -> None:
    if question["type"] != "repeat":
        raise ValidationError("Only a repeat can feed the registry.", "registry")
    children = {child["name"] for child in question.get("questions") or []}
    missing = sorted(n for n in question["registry"].values() if n not in children)
    if missing:
        raise ValidationError(f"Not questions of this repeat: {', '.join(missing)}.", "registry")


def walk(questions: list[dict]):
    """Yield every question, depth first, including groups, repeats and their children."""
    for question in questions:
        yield question
        yield from walk(question.get("questions") or [])


def load_definition(raw: dict) -> dict:
    """Validate a definition and return it normalised; raise ValidationError if broken.

    Unknown keys on questions and choices survive in the returned document (a choice's
    ``district`` feeds a choice filter), because validation never rewrites a definition.
    """
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["A definition must be a JSON object."]})
    loaded = DefinitionSchema().load(raw)
    from .dashboard_block import check_block  # the block names questions: checked once they load

    problems = check_block(raw.get("dashboard"), {q["name"]: q for q in walk(loaded["questions"])})
    if problems:
        raise ValidationError(problems)
    definition = dict(raw)
    definition["version"] = loaded["version"]
    definition["default_language"] = loaded["default_language"]
    definition.setdefault("choice_lists", {})
    definition.setdefault("languages", [loaded["default_language"]])
    return definition
