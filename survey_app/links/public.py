"""The public pages of a link: the form (no account), its no-JavaScript post, thanks, closed.

The token in the URL is the only credential: it lets anyone fill one survey and read
nothing else. These views never use the session, set no cookie (but the ``lang`` cookie
when the person picks a language: a preference shared by a whole group, see
``survey_app/languages``), and ignore a signed-in account on the same phone, so a record
made through a link belongs to no one. A posted
form with the honeypot filled is answered like a success and not stored.
"""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..attachments.direct import store_posted_files
from ..attachments.model import Uploader
from ..attachments.storage import FileStore, files_root
from ..auth.access import ANYONE, access
from ..capture.errorsummary import error_labels, error_targets
from ..capture.formdata import form_answers, takes_files, with_extra_instance
from ..db import get_db
from ..errors import NotFound
from ..languages import chosen_language, use_page_language
from ..languages.texts import direction
from ..surveys.registry import get_definition
from ..surveys.validation import validate_submission
from ..sync.ingest import Origin, ingest
from ..timeutil import now_iso
from ..xlsform.media import media_response
from .admission import TICKET_KEY, admit_here, page_ticket, scrub
from .model import Link, find_by_token, status
from .ratelimit import pages_per_addr, submit_per_address, submit_per_link
from .texts import LANGUAGE_NAMES, has_language, script_texts, text, unfinished_notice

bp = Blueprint("public_links", __name__)
log = logging.getLogger(__name__)

HONEYPOT = "website"  # a field people never see; simple bots fill every field they find


def token_is_credential(view):
    """Mark a view whose URL token is its credential: no session, so no CSRF check applies."""
    view.token_is_credential = True
    return view


def page_context(definition: dict | None, language: str) -> dict:
    """What every public template needs: its language, direction and fixed texts."""
    use_page_language(language)  # the interface speaks the survey's language too
    return {
        "lang": language,
        "text_lang": language if has_language(language) else "en",
        "pt": lambda key: text(key, language),
        "public_direction": direction(language),
        "definition": definition,
        "language_names": LANGUAGE_NAMES,
    }


def pick_public_language(definition: dict | None) -> str:
    """``?lang=``, the posted ``_lang`` or the remembered choice if the survey has it, else
    the browser's, else the default."""
    if not definition:
        best = request.accept_languages.best_match(["en", "fr", "ar", "sw"])
        chosen = chosen_language()
        return chosen if chosen in LANGUAGE_NAMES else best or "en"
    languages = definition.get("languages") or [definition["default_language"]]
    for asked in (request.args.get("lang"), request.form.get("_lang"), chosen_language()):
        if asked in languages:
            return asked
    return request.accept_languages.best_match(languages) or definition["default_language"]


def closed_page(link: Link | None, reason: str):
    """A clear page in the survey's language: not found, paused, expired, full or revoked."""
    definition = get_definition(get_db(), link.survey_id) if link else None
    language = pick_public_language(definition)
    code = {"not_found": 404, "revoked": 410, "expired": 410, "too_many": 429}.get(reason, 403)
    return (
        render_template("links/closed.html", reason=reason, link=link, **page_context(definition, language)),
        code,
    )


def _form_page(link: Link, definition: dict, values, errors, submission_id, started_at, ticket, code=200):
    """The form; ``ticket`` is the server's proof that it was served while the link was open."""
    language = pick_public_language(definition)
    hours = max(1, int(current_app.config["PUBLIC_DRAFT_HOURS"]))  # 0 must not mean "kept for ever"
    return (
        render_template(
            "links/public_form.html",
            draft_hours=hours,
            unfinished_notice=unfinished_notice(hours, language),
            script_texts=script_texts(language),
            link=link,
            token=request.view_args["token"],
            values=values,
            errors=errors,
            error_labels=error_labels(definition, language) if errors else {},
            error_targets=error_targets(definition, errors) if errors else {},
            submission_id=submission_id,
            started_at=started_at,
            ticket=ticket,
            takes_files=takes_files(definition),
            media_base=url_for(
                "public_links.media",
                token=request.view_args["token"],
                version=definition["version"],
                name="_",
            )[:-1],
            **page_context(definition, language),
        ),
        code,
    )


@bp.errorhandler(429)
def too_many(_exc):
    """Rate limited: a page in the survey's language (nothing is stored about who asked)."""
    link = find_by_token(get_db(), (request.view_args or {}).get("token", ""))
    return closed_page(link, "too_many")


@bp.get("/p/<token>")
@access(ANYONE)  # the token in the URL is the credential
@pages_per_addr
def form(token: str):
    """The survey's form for anyone holding the link, or a page saying why it is closed."""
    link = find_by_token(get_db(), token)
    if link is None:
        return closed_page(None, "not_found")
    current = status(link)
    if not current.open:
        return closed_page(link, current.reason)
    definition = get_definition(get_db(), link.survey_id)
    if definition is None:  # the survey was archived: the link has nothing left to show
        return closed_page(link, "expired")
    return _form_page(link, definition, request.args, {}, str(uuid.uuid4()), now_iso(), page_ticket(link))


@bp.get("/p/<token>/media/<version>/<path:name>")
@access(ANYONE)  # the token in the URL is the credential
@pages_per_addr
def media(token: str, version: str, name: str):
    """A media file of the link's form (an image or recording beside a label), while the
    link is open; a version this link's form never had is not found."""
    link = find_by_token(get_db(), token)
    definition = get_definition(get_db(), link.survey_id, version) if link and status(link).open else None
    response = media_response(definition, name, files_root()) if definition else None
    if response is None:
        raise NotFound("There is no such file.")
    return response


@bp.post("/p/<token>")
@token_is_credential
@access(ANYONE)  # the token in the URL is the credential
@submit_per_link
@submit_per_address
def submit(token: str):
    """The no-JavaScript path: validate, store with the link only, thank."""
    db = get_db()
    link = find_by_token(db, token)
    if link is None:
        return closed_page(None, "not_found")
    form_data = request.form
    definition = get_definition(db, link.survey_id, form_data.get("_version") or None)
    definition = definition or get_definition(db, link.survey_id)
    if definition is None:
        return closed_page(link, "expired")
    language = pick_public_language(definition)
    try:
        submission_id = str(uuid.UUID(form_data.get("_id", "")))
    except ValueError:
        submission_id = str(uuid.uuid4())
    started_at = form_data.get("_started_at") or now_iso()
    # The page's own ticket goes back on a re-shown page: a new one would vouch for nothing
    # once the link closed.
    ticket = form_data.get("_ticket", "")[:200]
    if form_data.get(HONEYPOT, "").strip():
        # Looks accepted to the bot, stores nothing; the log names the link, never the data.
        log.info("public link %s: honeypot filled, submission not stored", link.id)
        return redirect(url_for("public_links.thanks", token=token, lang=language))
    if form_data.get("_add_repeat"):
        values = with_extra_instance(form_data)
        return _form_page(link, definition, values, {}, submission_id, started_at, ticket)
    if request.files and status(link).open:  # photos posted the ordinary way: stored first
        form_data, too_large = store_posted_files(
            db,
            current_app.config,
            FileStore(files_root()),
            Uploader(link_id=link.id),  # the link only: no account, address or agent
            definition,
            submission_id,
            form_data,
            request.files,
        )
        if too_large:  # nothing is stored without its file: the form again, answers kept
            return _form_page(link, definition, form_data, too_large, submission_id, started_at, ticket, 413)
    data = form_answers(definition, form_data)
    errors = validate_submission(definition, data)
    if errors:
        return _form_page(link, definition, form_data, errors, submission_id, started_at, ticket, 400)
    item = {
        "id": submission_id,
        "survey": definition["id"],
        "version": definition["version"],
        "data": data,
        "meta": {
            "started_at": started_at,
            "finalized_at": now_iso(),
            "app_version": "html-form",
            "lang": language,
            TICKET_KEY: ticket,
        },
    }
    decision = admit_here(db, link, [item], language)
    if decision.batch_refused or decision.item_refused:
        return closed_page(link, status(link).reason)
    origin = Origin("link", user_id=None, link_id=link.id)
    if ingest(db, [scrub(item)], origin)[0]["status"] == "refused":
        # The posted id is someone else's: this person's answers are kept under a new id
        # (a browser without JavaScript keeps no copy that a refusal could leave it with).
        ingest(db, [scrub({**item, "id": str(uuid.uuid4())})], origin)
    return redirect(url_for("public_links.thanks", token=token, lang=language))


@bp.get("/p/<token>/thanks")
@access(ANYONE)  # the token in the URL is the credential
@pages_per_addr
def thanks(token: str):
    """Thanks, in the survey's language, with a way back for the next person on a shared phone."""
    link = find_by_token(get_db(), token)
    if link is None:
        return closed_page(None, "not_found")
    definition = get_definition(get_db(), link.survey_id)
    language = pick_public_language(definition)
    return render_template(
        "links/thanks.html",
        link=link,
        token=token,
        link_open=status(link).open,
        **page_context(definition, language),
    )
