"""Interface words that are not in a template: the phone's scripts, and validation messages.

Scripts (``static/js``) are cached on the phone and run offline, so they cannot ask the
server for words: each page carries the ones its scripts need, translated, in
``<script type="application/json" id="ui-strings">`` (rendered by ``base.html``), and
``static/js/i18n.js`` looks them up by their English text, falling back to it. ``{n}``
style placeholders are filled in by the script. Only words that differ from English are
sent, so an English page carries an empty object.

Validation messages (``surveys/validation.py``) are codes with parameters
(``surveys/messages.py``), stored so with quarantined records; ``ui_message`` translates
them where they are shown, by code, never by matching English text.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import get_locale, gettext, ngettext
from markupsafe import Markup

# The module, not its function: surveys.messages imports languages.texts, so importing it
# first runs this package's __init__ and reaches here while it is still half loaded.
from ..surveys import messages as validation_messages


def N_(text: str) -> str:
    """Mark a text for extraction (pybabel's default keywords include ``N_``)."""
    return text


JS_STRINGS: tuple[str, ...] = (
    # offline.js: sync state, update offer, sizes and times
    N_("never"),
    N_("unknown"),
    N_("{n} bytes"),
    N_("Last sent to the server: {when}."),
    N_("Nothing waits to be sent."),
    N_("1 record waits to be sent."),
    N_("{n} records wait to be sent."),
    N_("Sign in again to send your records. They stay on this phone."),
    N_("No connection: trying again automatically."),
    N_("Sending failed ({reason}): trying again automatically."),
    N_("A new version of the app is ready."),
    N_("Your answers are saved on this phone and stay."),
    N_("Update now"),
    # home.js: records on this phone
    N_("received"),
    N_("received (already there)"),
    N_("received, kept for review (the server had other answers for it)"),
    N_("received, kept for review (some answers break the survey rules)"),
    N_(
        "This browser cannot keep records on the phone (its storage is unavailable). "
        "Forms are sent straight to the server, so keep a connection while you fill them."
    ),
    N_("Resume"),
    N_("Discard"),
    N_("Discard draft {ref}"),
    N_("last changed {when} · ref {ref}"),
    N_("finished {when} · ref {ref}"),
    N_("sent {when} · ref {ref} · {status}"),
    N_("No drafts."),
    N_("Nothing waits to be sent."),
    N_("Nothing sent recently."),
    N_("Sign in again"),
    N_("Kept safe: the phone will not delete these records to make space."),
    N_(
        "The phone may delete these records if it runs out of space. Send them, or save a backup file, often."
    ),
    N_("{used} saved."),
    N_("Sending…"),
    N_("Discard draft {ref}? Its answers are deleted from this phone for good."),
    N_("Backup file saved: {records} waiting to be sent."),
    N_("Backup file saved: {records} waiting to be sent and {drafts}."),
    N_("1 record"),
    N_("{n} records"),
    N_("1 draft"),
    N_("{n} drafts"),
    N_("Refused by the server: {message}"),
    N_(
        "1 record was refused by the server: it stays on this phone; save a backup file for your coordinator."
    ),
    N_(
        "{n} records were refused by the server: they stay on this phone; save a backup file for your "
        "coordinator."
    ),
    # signout.js
    N_("1 record waits to be sent"),
    N_("{n} records wait to be sent"),
    N_("1 draft is not finished"),
    N_("{n} drafts are not finished"),
    N_(
        "On this phone, for {user}: {counts}. They stay here, kept for your account (nobody "
        "else who signs in on this phone can see them), and are sent after you sign in again."
    ),
    N_(", and "),
    N_("Send them now"),
    N_("Save a backup file"),
    N_("No connection: signing out needs the server. Nothing was changed on this phone."),
    # form.js: saving, finishing, problems
    N_(
        "This phone cannot save drafts here (its browser storage is unavailable). "
        "Nothing you type is kept until you press “Finish and send” with a connection."
    ),
    N_(
        "This phone is almost out of space: drafts may not be saved. "
        "Free some space, or send your records before starting a new one."
    ),
    N_("That record is already finished; this is a new one."),
    N_("That draft is not on this phone; this is a new record."),
    N_("Draft restored from this phone."),
    N_("Answers are saved on this phone as you type."),
    N_("Saved on this phone at {time}."),
    N_("This record was already finished in another window; changes here are not kept."),
    N_("Could not save on this phone ({reason}). Free some space, then keep typing."),
    N_("This answer is required."),
    N_("Please check 1 answer"),
    N_("Please check {n} answers"),
    N_("Could not put the record in the outbox ({reason}). Sending it straight to the server."),
    N_("Saved in the outbox"),
    N_(
        "The record is on this phone (reference {ref}) and will be sent as soon as there is "
        "a connection. You can close the app."
    ),
    N_("Start another"),
    N_("Home"),
    N_("Sent"),
    N_("The server has received the record (reference {ref})."),
    N_("Refused by the server"),
    N_(
        "The server will never take this record (reference {ref}): {message} It stays on this "
        "phone: save a backup file for your coordinator."
    ),
    # formlogic.js: the same checks as the server, on the phone
    N_("Must be a whole number."),
    N_("Must be a number."),
    N_("Must be at least {n}."),
    N_("Must be at most {n}."),
    N_("At most {n} characters."),
    N_("At least {n} characters."),
    N_("Does not meet the condition {condition}."),
    N_("Remove {title} {n}"),
    # sync-core.js (on the page; the service worker has no page and speaks English)
    N_("No connection to the server."),
    N_("The server answered {status}."),
    N_("Sign in again to send your records."),
    N_("The connection was lost."),
    N_("Too large for the server: save a backup file."),
    N_("The server could not read this record: save a backup file for your coordinator."),
    N_("Signed in as {user}; these records belong to {owner}."),
    # capture/*.js: photos, recordings, signatures, barcodes, locations
    N_("A file of {size} is attached."),
    N_("Accuracy {m} m; waiting for a better fix…"),
    N_("Add my location as a point"),
    N_("Attached: {name}"),
    N_("Clear the drawing"),
    N_("Code read."),
    N_("Finding your location…"),
    N_("Keep this signature"),
    N_("Kept on this phone ({size}). It is sent with the record."),
    N_("Location kept (accuracy {m} m). You can still type it."),
    N_("No code found; type it instead."),
    N_("No location found; type it instead."),
    N_("Point the camera at the code…"),
    N_("Preparing…"),
    N_("Preview"),
    N_("Record sound"),
    N_("Recording… {time}"),
    N_("Remove the last point"),
    N_("Remove this file from the answer?"),
    N_("Remove"),
    N_("Removed."),
    N_("Scan a code"),
    N_("Sign or draw here"),
    N_("Stop waiting"),
    N_("Stop recording"),
    N_("The camera is not available; type the code instead."),
    N_("The location is not available ({reason}); type it instead."),
    N_("The microphone is not available; choose a recording instead."),
    N_("This file is too large ({size}); the most is {limit}."),
    N_("This photo cannot be read here; take another one."),
    N_("Use my location"),
    N_("{n} points"),
    N_("1 photo or recording ({size}) waits with its record."),
    N_("{n} photos and recordings ({size}) wait with their records."),
    # formhelp.js and formlogic.js: the facilitator's form
    N_("You are offline. Your answers are kept on this phone and sent later."),
    N_("Remove this entry and its answers?"),
    N_("Entry removed."),
    N_("Undo"),
    N_("Sections of the form"),
    N_("Go to a section"),
    N_("{done} of {total} questions answered"),
)


# Words the templates show for stored codes (a role, a link's state): the codes stay English.
ROLE_LABELS = {"admin": N_("Admin"), "coordinator": N_("Coordinator"), "facilitator": N_("Facilitator")}
LINK_STATES = {
    "active": N_("active"),
    "paused": N_("paused"),
    "expired": N_("expired"),
    "full": N_("full"),
    "revoked": N_("revoked"),
}


def role_label(role: str) -> str:
    return gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def link_state(state: str) -> str:
    return gettext(LINK_STATES[state]) if state in LINK_STATES else state


def js_strings() -> Markup:
    """The scripts' words in the current language, by English text (only those that differ),
    as JSON safe inside a ``<script>`` element. Not ``\\uXXXX``-escaped: UTF-8 Arabic is a
    third of the bytes on a prepaid phone."""
    found = {}
    for text in JS_STRINGS:
        translated = gettext(text)
        if translated != text:
            found[text] = translated
    raw = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
    safe = raw.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("'", "\\u0027")
    return Markup(safe)


def ui_message(item: Any, language: str | None = None) -> str:
    """A validation message in the interface language (by its code, with its parameters);
    the form author's own words in ``language`` (the form's language on the page). A
    message stored before codes existed is shown as it was stored."""
    if language is None:
        locale = get_locale()
        language = locale.language if locale else None
    return validation_messages.render(item, language, gettext, ngettext)
