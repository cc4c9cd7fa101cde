"""The shape of a sync batch, checked with marshmallow before anything is stored.

Only what makes a record unstorable is refused here (no JSON, no UUID, no survey name):
those mean "keep it and retry" for the phone. Everything about the answers themselves
is judged later, per record, and a bad record is quarantined, never refused.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates

from ..errors import BadRequest


class ItemSchema(Schema):
    class Meta:
        unknown = INCLUDE  # extra keys are kept with the record, never dropped

    id = fields.String(required=True)
    survey = fields.String(required=True, validate=validate.Length(min=1, max=64))
    version = fields.String(required=True, validate=validate.Length(min=1, max=64))
    data = fields.Raw(required=True, allow_none=True)
    meta = fields.Raw(load_default=dict)

    @validates("id")
    def check_uuid(self, value: str, **kwargs) -> None:
        try:
            parsed = uuid.UUID(value)
        except (ValueError, AttributeError, TypeError) as exc:
            raise ValidationError("Must be a UUID created by the client.") from exc
        if str(parsed) != value.lower():
            raise ValidationError("Must be a UUID in its canonical 36-character form.")


class BatchSchema(Schema):
    submissions = fields.List(fields.Raw(), required=True)


# Schemas hold no state between loads: one instance each serves every request.
BATCH_SCHEMA = BatchSchema()
ITEM_SCHEMA = ItemSchema()
_ABSENT = object()


def plainly_valid(item: dict) -> dict | None:
    """The item as ``ITEM_SCHEMA.load`` returns it, when nothing about it is doubtful.

    Why: a phone's batch is 50 well-formed records, and marshmallow's field machinery cost
    more per record than validating the answers. This accepts only items the schema
    certainly accepts (three short strings, a canonical lower-case UUID, ``data`` present,
    ``meta`` absent or not null) and returns None for anything else, which then goes
    through the schema and gets its messages. tests/test_sync_envelope.py checks the two
    agree.
    """
    record_id, survey, version = item.get("id"), item.get("survey"), item.get("version")
    if type(record_id) is not str or type(survey) is not str or type(version) is not str:
        return None
    if not (0 < len(survey) <= 64 and 0 < len(version) <= 64) or "data" not in item:
        return None
    if len(record_id) != 36 or not _is_canonical_uuid(record_id):
        return None
    meta = item.get("meta", _ABSENT)
    if meta is None:
        return None
    record = dict(item)
    if meta is _ABSENT:
        record["meta"] = {}
    return record


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


# A phone's batch is 4 levels deep at most (batch, list, record, data, a repeat's entries
# and a geopoint: about 7); far deeper is no form's answer, and every reader of a stored
# record (exports, pages, SQLite's JSON functions) walks it, some recursively.
MAX_DEPTH = 32


def parse_json_body(raw: bytes) -> Any:
    """Decode a request body as JSON, with a message a developer can act on.

    Bodies no reader could handle are envelope errors (400, nothing stored): nesting
    deeper than ``MAX_DEPTH``, and integers longer than Python's 4,300-digit limit.
    """
    if not raw:
        raise BadRequest("The request body is empty; send JSON.")
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body is not UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from exc
    except RecursionError as exc:
        raise BadRequest(f"The JSON is nested too deeply (at most {MAX_DEPTH} levels).") from exc
    except ValueError as exc:  # e.g. an integer over 4,300 digits
        raise BadRequest("The JSON holds a number too long to read.") from exc
    if depth(value) > MAX_DEPTH:
        raise BadRequest(f"The JSON is nested too deeply (at most {MAX_DEPTH} levels).")
    return value


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a decoded JSON value (iteratively: no recursion).

    Level by level, keeping only containers: it runs on every sync batch, and a stack of
    (value, level) pairs made a tuple for every answer. Decoded JSON holds plain dicts and
    lists only, so their exact types are tested (cheaper than ``isinstance``).
    """
    deepest = 0
    level = [value] if type(value) in _CONTAINERS else []
    while level:
        deepest += 1
        below = []
        for container in level:
            for child in container.values() if type(container) is dict else container:
                if type(child) in _CONTAINERS:
                    below.append(child)
        level = below
    return deepest


_CONTAINERS = (dict, list)


def parse_batch(body: Any, max_items: int) -> list[dict]:
    """Return the batch's items, each checked for the fields that make it storable."""
    if not isinstance(body, dict):
        raise BadRequest('Send an object: {"submissions": [...]}.')
    items = body.get("submissions")
    if type(items) is not list:  # the schema says what is wrong
        try:
            items = BATCH_SCHEMA.load(body, unknown=INCLUDE)["submissions"]
        except ValidationError as exc:
            raise BadRequest("The batch is not valid.", exc.messages) from exc
    if len(items) > max_items:
        raise BadRequest(
            f"Too many submissions in one batch ({len(items)}); send at most {max_items}.",
            {"submissions": [f"at most {max_items} items"]},
            status=413,
        )
    errors: dict[str, Any] = {}
    loaded = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = {"_schema": ["Each submission must be an object."]}
            continue
        plain = plainly_valid(item)
        if plain is not None:
            loaded.append(plain)
            continue
        try:
            record = ITEM_SCHEMA.load(item)
        except ValidationError as exc:
            errors[str(index)] = exc.messages
            continue
        record["id"] = record["id"].lower()
        loaded.append(record)
    if errors:
        raise BadRequest(
            "Some submissions cannot be stored: fix them and send the batch again.",
            {"submissions": errors},
        )
    return loaded
