"""The sync API for public links: phones send a link's records with the link's token.

``POST /api/v1/links/<token>/submissions`` takes the same batch as
``POST /api/v1/submissions`` and answers the same per-item results, through the same
``parse_batch`` and ``ingest``. The token authorises that one survey only; it reads
nothing but its own survey's definition (which the public form shows anyway).

Refusals (see ``admission.py``): a record for another survey, a revoked link, or a record
a paused link cannot take (a pause can end) makes the whole batch a 403 with nothing
stored, and ``errors.refused`` says which records and why. A record an expired or full
link cannot take (no ticket from before it closed), or a copy of a record that is not
this link's, is one item ``refused`` with a reason and a message in the survey's
language; the rest of the batch is stored. Either way the phone keeps what was refused,
can tell the person, and can put it in a backup file for a coordinator to import.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..attachments.media import with_missing_files
from ..auth.access import ANYONE, access
from ..db import get_db
from ..errors import Forbidden, NotFound, error_response
from ..surveys.registry import get_definition
from ..sync.envelope import parse_batch, parse_json_body
from ..sync.ingest import Origin, ingest, refused
from .admission import admit_here, scrub
from .model import Link, find_by_token
from .public import pick_public_language, token_is_credential
from .ratelimit import pages_per_addr, submit_per_address, submit_per_link
from .texts import text

bp = Blueprint("link_api", __name__, url_prefix="/api/v1/links")


def _link_or_404(token: str) -> Link:
    link = find_by_token(get_db(), token)
    if link is None:
        # Not 401: there is no account to sign in to. Any 4xx keeps the records on the phone.
        raise NotFound(text("closed_not_found", _language(None)), {"link": ["unknown"]})
    return link


def _language(link: Link | None) -> str:
    definition = get_definition(get_db(), link.survey_id) if link else None
    return pick_public_language(definition)


@bp.errorhandler(429)
def too_many(_exc):
    """Rate limited: the one JSON error shape; the phone keeps its records and retries later."""
    link = find_by_token(get_db(), (request.view_args or {}).get("token", ""))
    return error_response(text("too_many", _language(link)), 429, {"rate": ["too many requests"]})


@bp.post("/<token>/submissions")
@token_is_credential
@access(ANYONE)  # the token in the URL is the credential, for one survey only
@submit_per_link
@submit_per_address
def submissions(token: str):
    """Store a batch of one link's records: one result per record, ``refused`` ones kept."""
    link = _link_or_404(token)
    items = parse_batch(parse_json_body(request.get_data()), current_app.config["LINK_MAX_BATCH_ITEMS"])
    language = _language(link)
    decision = admit_here(get_db(), link, items, language)
    if decision.batch_refused:
        first = decision.batch_refused[0]
        raise Forbidden(
            first.message,
            {"link": [first.reason], "refused": {r.id: [r.message] for r in decision.batch_refused}},
        )
    skipped = {r.index: r for r in decision.item_refused}
    taken = [scrub(item) for index, item in enumerate(items) if index not in skipped]
    answers = iter(
        ingest(
            get_db(),
            taken,
            Origin("link", user_id=None, link_id=link.id),
            explain=lambda reason: text(reason, language),
        )
        if taken
        else []
    )
    results = [
        refused(item["id"], skipped[i].reason, skipped[i].message) if i in skipped else next(answers)
        for i, item in enumerate(items)
    ]
    results = with_missing_files(get_db(), taken, results)
    return jsonify({"ok": True, "results": results})


@bp.get("/<token>/survey")
@access(ANYONE)  # the token in the URL is the credential, for one survey only
@pages_per_addr
def survey(token: str):
    """The link's survey definition (current, or ``?version=``), for the offline form logic."""
    link = _link_or_404(token)
    if link.state == "revoked":
        raise Forbidden(text("closed_revoked", _language(link)), {"link": ["revoked"]})
    version = request.args.get("version") or None
    definition = get_definition(get_db(), link.survey_id, version)
    if definition is None:
        raise NotFound(f"No version {version!r} of this survey.")
    return jsonify(definition)
