"""The submissions browser: a filtered table per survey, paged, and a detail view per record.

Paging is by key (``received_at`` and ``fid``, newest first) rather than by offset, so
page 2,000 costs what page 1 does. Counting, filtering and paging read only
``submission_facts``; the answers themselves are read for the one record shown.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request, url_for

from .. import storedjson
from ..attachments.media import shown_files
from ..auth.access import STAFF, access
from ..db import get_db
from ..errors import BadRequest, NotFound
from ..exports.rows import count_matching
from ..exports.service import FORMATS
from ..records.derived_index import refresh_before_read
from ..records.filters import parse_filters
from ..records.review_states import STATE_LABELS
from ..review import conflicts as conflict_store
from ..review.corrections import corrections
from ..review.forms import ResolveForm, ReviewForm
from ..review.states import history
from ..surveys.registry import get_definition
from .answers import answers, side_by_side
from .options import LANGUAGE_NAMES, filter_options, page_language, page_survey

bp = Blueprint("coordinator", __name__, url_prefix="/coordinate")
bp.before_request(refresh_before_read)  # index records synced since the last read

PAGE_SIZE = 50
PAGE_PARAMS = ("survey", "lang", "after", "before")
CURSOR = re.compile(r"^(?P<at>[0-9T:.+\-Z]{10,40})~(?P<fid>\d{1,18})$")


def _cursor(name: str) -> tuple[str, int] | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    match = CURSOR.match(raw)
    if not match:
        raise BadRequest("The page link is not valid.", {name: ["not a page cursor"]})
    return match["at"], int(match["fid"])


def _page(db, filters, after, before) -> tuple[list[dict[str, Any]], bool, bool]:
    """One page of rows, newest first; and whether older/newer pages exist."""
    where, params = filters.where("f")
    order = "DESC"
    if after:
        where += " AND (f.received_at, f.fid) < (?, ?)"
        params += list(after)
    elif before:
        where += " AND (f.received_at, f.fid) > (?, ?)"
        params += list(before)
        order = "ASC"
    rows = list(
        db.query(
            "SELECT f.fid, f.submission_id, f.version, f.received_at, f.answer_date, f.area, f.subarea,"
            " f.kind, f.review_state, f.validation, f.has_conflict, f.safeguarding, f.by_link, f.link_id,"
            " u.username FROM submission_facts f LEFT JOIN users u ON u.id = f.submitted_by"
            f" WHERE {where} ORDER BY f.received_at {order}, f.fid {order} LIMIT ?",
            [*params, PAGE_SIZE + 1],
        )
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if before:
        rows.reverse()
        return rows, True, more
    return rows, more, bool(after)


@bp.get("/submissions")
@access(*STAFF)
def submissions():
    """The filtered submissions of one survey, newest first, with every export link."""
    db = get_db()
    surveys, survey_id, definition = page_survey(db)
    lang = page_language(definition)
    context: dict[str, Any] = {
        "surveys": surveys,
        "survey_id": survey_id,
        "definition": definition,
        "lang": lang,
        "rows": [],
        "total": 0,
        "filters": None,
        "formats": [name for name, fmt in FORMATS.items() if not fmt.binary],
        "states": STATE_LABELS,
    }
    status = 200
    if survey_id:
        context["options"] = filter_options(db, survey_id, lang)
        try:
            filters = parse_filters(db, survey_id, request.args, allowed_extra=PAGE_PARAMS)
            after, before = _cursor("after"), _cursor("before")
        except BadRequest as exc:
            context.update(filter_errors=exc.errors, filter_message=exc.message)
            status = 400
        else:
            rows, older, newer = _page(db, filters, after, before)
            keep = {"survey": survey_id, **filters.params}
            context.update(
                filters=filters,
                rows=rows,
                total=count_matching(db, filters),
                labels=_row_labels(context["options"]),
                older=url_for(".submissions", after=f"{rows[-1]['received_at']}~{rows[-1]['fid']}", **keep)
                if rows and older
                else None,
                newer=url_for(".submissions", before=f"{rows[0]['received_at']}~{rows[0]['fid']}", **keep)
                if rows and newer
                else None,
            )
    return render_template("coordinator/submissions.html", **context), status


def _row_labels(options: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Labels for the table's area, sub-area and type columns, from the filter options."""
    return {
        "area": dict(options["areas"]),
        "subarea": dict(options["subareas"]),
        "kind": dict(options["types"]),
    }


@bp.get("/submissions/<submission_id>")
@access(*STAFF)
def submission(submission_id: str):
    """One record: every answer with its label, its review, history, corrections, conflicts."""
    db = get_db()
    record = next(
        db.query(
            "SELECT s.*, u.username FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by"
            " WHERE s.id = ?",
            [submission_id],
        ),
        None,
    )
    if record is None:
        raise NotFound("There is no such submission.")
    definition = get_definition(db, record["survey_id"], record["version"])
    lang = page_language(definition)
    data = _loads(record["data"])
    errors = _loads(record["errors"]) or {}
    labels = {a.key: a.label for a in answers(definition, data, lang)}
    copies = conflict_store.conflicts_for(db, submission_id)
    for copy in copies:
        copy["rows"] = side_by_side(definition, data, _loads(copy["data"]), lang)
        copy["form"] = ResolveForm(prefix=f"c{copy['id']}")
    history_rows = history(db, submission_id)
    return render_template(
        "coordinator/submission.html",
        record=record,
        definition=definition,
        lang=lang,
        languages=LANGUAGE_NAMES,
        answers=answers(definition, data, lang),
        errors=errors,
        error_labels=labels,
        history=history_rows,
        corrections=corrections(db, submission_id),
        conflicts=copies,
        files=shown_files(db, submission_id),
        review_form=ReviewForm(state=record["review_state"]),
        states=STATE_LABELS,
    )


def _loads(text: str | None) -> Any:
    """Stored JSON as the page shows it (lone surrogates as U+FFFD); unreadable: the text."""
    if text is None:
        return None
    loaded = storedjson.load(text, default=_UNREADABLE)
    return storedjson.printable(text) if loaded is _UNREADABLE else loaded


_UNREADABLE = object()
