"""The interface language: Flask-Babel, one language choice per person, the header switcher.

Every page is in one of ``UI_LANGUAGES``. The choice is, in order: the language of the
survey a page shows (so a form in Arabic has its buttons in Arabic too), ``?lang=``, the
``lang`` cookie, the browser's Accept-Language, English. A ``?lang=`` on a page (the
header switcher, a form's language links) is remembered in the ``lang`` cookie for a
year; the phone's script keeps the same choice in localStorage and writes the cookie
itself when offline (``static/js/lang.js``), so the next page from the server follows it.

The survey's own languages (``capture/i18n.py``) read the same choice; a survey language
that the interface does not have (e.g. Chichewa) leaves the interface in the person's
interface language. The catalogues live in ``survey_app/translations`` (see README,
"Languages"); their ``.mo`` files are compiled when the app starts (``catalogs.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, refresh

from .catalogs import TRANSLATIONS_DIR, ensure_compiled
from .messages import js_strings, link_state, role_label, ui_message
from .texts import direction

UI_LANGUAGES = ("en", "fr", "ar", "sw")
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية", "sw": "Kiswahili"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Any short language code may be remembered (a survey may be in Chichewa, "ny");
# each reader checks it against the languages it has.
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

bp = Blueprint("languages", __name__)


def chosen_language() -> str | None:
    """The language this person chose: ``?lang=`` on this request, else the cookie."""
    for raw in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if raw and LANGUAGE_CODE.match(raw):
            return raw
    return None


def _ui(code: str | None) -> str | None:
    base = (code or "").split("-")[0].lower()
    return base if base in UI_LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring for the order)."""
    if not has_request_context():
        return "en"
    for candidate in (g.get("page_language"), request.args.get("lang"), request.cookies.get(COOKIE)):
        if _ui(candidate):
            return _ui(candidate)
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


def use_page_language(code: str) -> None:
    """Show this page's interface in its survey's language, when the interface has it."""
    g.page_language = code
    refresh()


def ui_lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def switcher() -> list[dict]:
    """The header's language links: this page again, with ``?lang=`` (works without JS)."""
    current = ui_lang()
    links = []
    for code in UI_LANGUAGES:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "href": request.path + "?" + urlencode(args),
                "current": code == current,
            }
        )
    return links


@bp.after_app_request
def remember_choice(response):
    """A page asked for with ``?lang=`` remembers it in the ``lang`` cookie, for a year."""
    asked = request.args.get("lang")
    if (
        request.method == "GET"
        and asked
        and LANGUAGE_CODE.match(asked)
        and request.cookies.get(COOKIE) != asked
        and response.mimetype == "text/html"
        and response.status_code < 400
    ):
        response.set_cookie(
            COOKIE,
            asked,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=current_app.config.get("SECURE_COOKIES", False),
            httponly=False,  # the phone's script reads and writes it offline
        )
    return response


@bp.app_context_processor
def language_context() -> dict:
    return {
        "ui_lang": ui_lang,
        "ui_dir": lambda: direction(ui_lang()),
        "ui_switcher": switcher,
        "ui_strings": js_strings,
    }


@bp.record_once
def _init_babel(state) -> None:
    """Set up Flask-Babel when the blueprint is registered (``_register_blueprints``)."""
    app: Flask = state.app
    directories = ensure_compiled(TRANSLATIONS_DIR, fallback=_fallback_dir(app))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in directories)
    Babel(app, locale_selector=select_locale)
    # {% trans %} blocks are looked up with their whitespace collapsed, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["ui_message"] = ui_message
    app.jinja_env.globals.update(state_label=state_label, role_label=role_label, link_state=link_state)


def state_label(state: str) -> str:
    """A review state's name in the interface language."""
    from ..records.review_states import STATE_LABELS

    return str(STATE_LABELS.get(state, state))


def _fallback_dir(app: Flask) -> Path:
    return Path(app.instance_path) / "translations"
