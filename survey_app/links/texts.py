"""The fixed texts of the public pages, in the languages the built-in surveys speak.

A respondent must read the privacy notice, a closed-link message or the poster's
instructions in the survey's own language. The texts are English msgids here; their
French, Arabic and Swahili translations live in the Babel catalogues
(``survey_app/translations``) with the rest of the interface, and need review by native
speakers before wide use. ``text(key, language)`` gives a text in a survey language even
when it differs from the page's interface language (the poster prints every language; a
refusal reason is sent in the language the record was made in). A survey language
missing from the catalogues (e.g. Chichewa) falls back to English.
"""

from __future__ import annotations

import json

from flask_babel import force_locale, gettext, ngettext
from markupsafe import Markup

from ..languages.messages import N_

TEXTS: dict[str, str] = {
    "notice_heading": N_("Before you start"),
    "notice_kept": N_(
        "What is kept: only your answers to the questions below, the time you started and "
        "finished, and which link you used."
    ),
    "notice_not_kept": N_(
        "What is not kept: your name, phone number, address or location, your internet address "
        "(IP), or what phone or browser you use. You need no account."
    ),
    "notice_phone": N_(
        "Until they are sent, your answers are kept on this phone. On a shared phone, wait until "
        "your answer has been received, or press “Delete my answers from this phone” at the end "
        "of the page, before you hand it on."
    ),
    "forget": N_("Delete my answers from this phone"),
    "forget_confirm": N_(
        "Delete from this phone every answer that was not sent yet, finished or not? This cannot be undone."
    ),
    "forget_done": N_("Your answers were deleted from this phone."),
    "answer_waiting_title": N_("Saved on this phone"),
    "answer_waiting": N_("Your answer is waiting on this phone. It will be sent when the phone is online."),
    "answer_received_title": N_("Received"),
    "answer_received": N_("Your answer has been received. Thank you."),
    "answer_refused_title": N_("Not accepted"),
    "phone_refused": N_("Refused by the server, kept on this phone:"),
    "keep_failed": N_("This phone could not keep your answer, so it is sent straight away."),
    "update_ready": N_("A newer version of this form is ready. Your answers stay on this phone."),
    "submit": N_("Finish and send"),
    "check_answers": N_("Please check these answers:"),
    "honeypot": N_("Leave this field empty"),
    "language": N_("Language"),
    "thanks_title": N_("Thank you"),
    "thanks_body": N_("Your answers were received. Nothing about who you are was recorded."),
    "thanks_again": N_("Give another answer (for the next person on this phone)"),
    "closed_paused": N_(
        "This form is paused for now. Try again later, or ask the person who gave you the link."
    ),
    "closed_expired": N_("This form is closed: the time for answers is over. Thank you for your interest."),
    "closed_full": N_("This form is closed: it has received all the answers it was opened for. Thank you."),
    "closed_revoked": N_(
        "This link was withdrawn and no longer works. Ask the person who gave it to you for a new one."
    ),
    "closed_not_found": N_(
        "This link does not exist. Check the address, or ask the person who gave it to you."
    ),
    "closed_title": N_("This form is closed"),
    "closed_unsent": N_(
        "Answers that this phone filled in while the form was open will still be sent when it is online."
    ),
    "late_refused": N_(
        "This answer was started after the link closed, so it cannot be sent through it. Save a "
        "backup file and give it to the group's facilitator."
    ),
    "revoked_refused": N_(
        "This link was withdrawn: answers can no longer be sent through it. Save a backup file "
        "and give it to the group's facilitator."
    ),
    "wrong_survey": N_("This link only takes answers to its own form."),
    # The same words as survey_app/sync/ingest.py's refusal_text: one catalogue entry.
    "not_yours": N_(
        "The server will not take this record. It stays on this phone: save a backup file "
        "and give it to your coordinator."
    ),
    "too_many": N_(
        "Too many answers were sent from here in a short time. Nothing was lost: wait a few "
        "minutes and try again."
    ),
    "wait_title": N_("Please wait a moment"),
    "phone_heading": N_("Answers on this phone"),
    "phone_waiting": N_("Waiting to be sent:"),
    "phone_backup": N_(
        "They are sent when the phone is online. If they cannot be sent, save a backup file and "
        "give it to the group's facilitator."
    ),
    "send_now": N_("Send now"),
    "save_backup": N_("Save a backup file"),
    "print_scan": N_("Scan the code with your phone's camera, or type the address below."),
    "print_anonymous": N_("No account and no name are needed: your answers are anonymous."),
    "print_offline": N_(
        "After the first visit the form also works without a connection; your answers are sent "
        "when you are back online."
    ),
}

LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "sw": "Kiswahili",
    "ny": "Chichewa",
}


def text(key: str, language: str) -> str:
    """A public-page text in a language, or in English when it has no translation."""
    code = language.split("-")[0]
    if not has_language(code):
        return TEXTS[key]
    with force_locale(code):
        return gettext(TEXTS[key])


# The texts the public form's scripts show (static/js/publictexts.js reads them).
SCRIPT_KEYS = (
    "forget_confirm",
    "forget_done",
    "answer_waiting_title",
    "answer_waiting",
    "answer_received_title",
    "answer_received",
    "answer_refused_title",
    "phone_refused",
    "keep_failed",
    "update_ready",
    "thanks_again",
    "save_backup",
)


def unfinished_notice(hours: int, language: str) -> str:
    """The notice's sentence on unfinished answers: never shown again, gone after ``hours``."""
    code = language.split("-")[0]
    with force_locale(code if has_language(code) else "en"):
        return ngettext(
            "If you stop before the end, your unfinished answers are not shown again when this "
            "page is opened again, and they are deleted from this phone after %(num)d hour.",
            "If you stop before the end, your unfinished answers are not shown again when this "
            "page is opened again, and they are deleted from this phone after %(num)d hours.",
            hours,
        )


def script_texts(language: str) -> Markup:
    """The scripts' public texts in a language, as JSON safe inside a ``<script>`` element."""
    raw = json.dumps({key: text(key, language) for key in SCRIPT_KEYS}, ensure_ascii=False)
    safe = raw.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(safe.replace("'", "\\u0027"))


def has_language(language: str) -> bool:
    """Whether these texts exist in a language (else the page shows them in English)."""
    return language.split("-")[0] in ("en", "fr", "ar", "sw")
