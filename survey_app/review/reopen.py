"""A record reopened in its form page, for a coordinator's correction.

The page is the capture form itself (``capture/form.html``: the same fields, skip logic,
calculations and client checks), opened on the record's own definition version with the
record's answers in its fields, and told (``correction``) to post back to the review
route instead of putting a draft in the phone's outbox. It keeps the record's id, version
and start time; it shows why the record was quarantined beside each question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from .. import storedjson
from ..capture.errorsummary import error_labels, error_targets
from ..capture.formdata import takes_files
from ..capture.i18n import pick_language
from ..capture.prefill import form_values, unshown
from ..capture.routes import media_base
from .corrections import record_meta

__all__ = ["Reopened", "form_values", "page"]


@dataclass(frozen=True)
class Reopened:
    record: dict[str, Any]
    definition: dict
    data: dict

    def stored_errors(self) -> dict[str, list]:
        """Why it was quarantined (a valid record has none)."""
        errors = storedjson.load(self.record["errors"], default={})
        return errors if isinstance(errors, dict) else {}

    def started_at(self) -> str:
        meta = record_meta(self.record["meta"])
        started = meta.get("started_at") if isinstance(meta, dict) else None
        return started if isinstance(started, str) else ""


def page(reopened: Reopened, values, errors: dict, status: int = 200):
    """The form page with these field values and messages, in correction mode."""
    definition = reopened.definition
    language = pick_language(definition)
    values = values.copy()
    values.setdefault("_id", reopened.record["id"])  # a reopened record applies no defaults
    return (
        render_template(
            "capture/form.html",
            definition=definition,
            lang=language,
            values=values,
            errors=errors,
            submission_id=reopened.record["id"],
            started_at=reopened.started_at(),
            error_labels=error_labels(definition, language) if errors else {},
            error_targets=error_targets(definition, errors) if errors else {},
            takes_files=takes_files(definition),
            media_base=media_base(definition),
            correction={
                "record": reopened.record,
                "unshown": unshown(definition, reopened.data),
                "comment": values.get("_comment", ""),
            },
        ),
        status,
    )
