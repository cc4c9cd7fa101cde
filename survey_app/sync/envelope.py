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


def parse_json_body(raw: bytes) -> Any:
    """Decode a request body as JSON, with a message a developer can act on."""
    if not raw:
        raise BadRequest("The request body is empty; send JSON.")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body is not UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from exc


def parse_batch(body: Any, max_items: int) -> list[dict]:
    """Return the batch's items, each checked for the fields that make it storable."""
    if not isinstance(body, dict):
        raise BadRequest('Send an object: {"submissions": [...]}.')
    try:
        batch = BatchSchema().load(body, unknown=INCLUDE)
    except ValidationError as exc:
        raise BadRequest("The batch is not valid.", exc.messages) from exc
    items = batch["submissions"]
    if len(items) > max_items:
        raise BadRequest(
            f"Too many submissions in one batch ({len(items)}); send at most {max_items}.",
            {"submissions": [f"at most {max_items} items"]},
            status=413,
        )
    errors: dict[str, Any] = {}
    loaded = []
    schema = ItemSchema()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = {"_schema": ["Each submission must be an object."]}
            continue
        try:
            record = schema.load(item)
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
