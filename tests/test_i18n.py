"""The interface in four languages (survey_app/languages): the language choice, the pages in
each language with the right lang/dir, the catalogues complete and up to date with the code,
and, in Chromium, the switcher, right-to-left without horizontal scroll, and offline.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import Auth, browser_login
from support_links import form_fields, make_link
from support_offline import wait_for_worker

from survey_app.languages import COOKIE_MAX_AGE, UI_LANGUAGES
from survey_app.languages.catalogs import catalogues, ensure_compiled
from survey_app.languages.messages import JS_STRINGS, ui_message

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "survey_app" / "translations"
DIRECTION = {"en": "ltr", "fr": "ltr", "ar": "rtl", "sw": "ltr"}

# One interface string per page and language, as a person would see it.
EXPECTED = {
    "sign_in": {"en": "Sign in", "fr": "Se connecter", "ar": "تسجيل الدخول", "sw": "Ingia"},
    "home": {"en": "Start a record", "fr": "Commencer une fiche", "ar": "ابدأ سجلاً", "sw": "Anza rekodi"},
    "finish": {
        "en": "Finish and send",
        "fr": "Terminer et envoyer",
        "ar": "إنهاء وإرسال",
        "sw": "Maliza na utume",
    },
    "notice": {
        "en": "Before you start",
        "fr": "Avant de commencer",
        "ar": "قبل أن تبدأ",
        "sw": "Kabla ya kuanza",
    },
    "required": {"en": "(required)", "fr": "(obligatoire)", "ar": "(مطلوب)", "sw": "(inahitajika)"},
}


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


def header_switcher(page: str) -> list[tuple[str, str, bool]]:
    """(code, name, current) of each link of the header's language switcher."""
    nav = re.search(r'<nav class="langs ui-langs"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return [
        (code, html.unescape(name), "aria-current" in attrs)
        for attrs, code, name in re.findall(r'<a ([^>]*data-lang="(\w+)"[^>]*)>([^<]+)</a>', nav)
    ]


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_sign_in_page_in_each_language(client, lang):
    page = client.get(f"/login?lang={lang}").text
    assert html_tag(page) == f'<html lang="{lang}" dir="{DIRECTION[lang]}">'
    assert f"<h1>{EXPECTED['sign_in'][lang]}</h1>" in page
    assert header_switcher(page) == [
        ("en", "English", lang == "en"),
        ("fr", "Français", lang == "fr"),
        ("ar", "العربية", lang == "ar"),
        ("sw", "Kiswahili", lang == "sw"),
    ]


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_home_page_in_each_language_carries_the_scripts_words(client, auth, lang):
    auth.login("facilitator")
    page = client.get(f"/?lang={lang}").text
    assert html_tag(page) == f'<html lang="{lang}" dir="{DIRECTION[lang]}">'
    assert EXPECTED["home"][lang] in page
    words = json.loads(
        re.search(r'<script type="application/json" id="ui-strings">(.*?)</script>', page).group(1)
    )
    if lang == "en":
        assert words == {}  # the scripts' own English is the fallback: nothing to send
    else:
        assert words["Nothing waits to be sent."] != "Nothing waits to be sent."
        assert words["{n} records wait to be sent."].count("{n}") == 1


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_form_page_in_each_language(client, auth, lang):
    auth.login("facilitator")
    page = client.get(f"/forms/community_feedback?lang={lang}").text
    assert html_tag(page) == f'<html lang="{lang}" dir="{DIRECTION[lang]}">'
    assert re.search(
        rf'<form method="post" class="survey-form" novalidate lang="{lang}" dir="{DIRECTION[lang]}"', page
    )
    assert f"data-finalise>{EXPECTED['finish'][lang]}</button>" in page
    assert EXPECTED["required"][lang] in page


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_public_link_page_in_each_language(app, client, lang):
    link = make_link(app)
    page = client.get(f"/p/{link.token}?lang={lang}").text
    assert html_tag(page) == f'<html lang="{lang}" dir="{DIRECTION[lang]}">'
    assert EXPECTED["notice"][lang] in page and EXPECTED["finish"][lang] in page
    assert EXPECTED["required"][lang] in page


STAFF_PAGES = [
    "/coordinate/submissions",
    "/coordinate/dashboard",
    "/coordinate/review",
    "/coordinate/links",
    "/coordinate/forms",
    "/coordinate/forms/import",
    "/coordinate/forms/locations",
    "/coordinate/import",
    "/admin/users",
    "/my/submissions",
    "/logout",
    "/forms/listening_session/thanks?ref=abc",
]


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_every_page_renders_in_every_language(app, client, auth, lang):
    """A translation with a broken placeholder would fail here with a 500."""
    auth.login("admin")
    client.post("/forms/community_feedback", data={**form_fields(), "csrf_token": auth.csrf()})
    make_link(app)
    for path in [*STAFF_PAGES, "/coordinate/links/1"]:
        response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert response.status_code == 200, path
        assert f'<html lang="{lang}"' in response.text, path
    listing = client.get("/coordinate/submissions").text
    record = re.search(r"/coordinate/submissions/([0-9a-f-]{36})", listing).group(1)
    assert client.get(f"/coordinate/submissions/{record}").status_code == 200


def test_choice_is_remembered_in_a_cookie_for_a_year(client):
    response = client.get("/login?lang=fr")
    cookie = response.headers["Set-Cookie"]
    assert (
        cookie.startswith("lang=fr;") and f"Max-Age={COOKIE_MAX_AGE}" in cookie and "SameSite=Lax" in cookie
    )
    assert "HttpOnly" not in cookie  # the phone's script keeps it in step offline
    again = client.get("/login")
    assert html_tag(again.text) == '<html lang="fr" dir="ltr">' and "Se connecter" in again.text
    assert "Set-Cookie" not in client.get("/login?lang=fr").headers  # already remembered


def test_order_of_the_choice(client):
    assert html_tag(client.get("/login", headers={"Accept-Language": "sw,en;q=0.5"}).text).startswith(
        '<html lang="sw"'
    )
    assert html_tag(client.get("/login", headers={"Accept-Language": "de"}).text).startswith(
        '<html lang="en"'
    )
    client.get("/login?lang=ar")  # the cookie beats the browser's preference
    assert html_tag(client.get("/login", headers={"Accept-Language": "sw"}).text).startswith(
        '<html lang="ar"'
    )
    assert html_tag(client.get("/login?lang=fr").text).startswith(
        '<html lang="fr"'
    )  # ?lang= beats the cookie


def test_one_choice_for_the_interface_and_the_survey(client, auth):
    auth.login("facilitator")
    client.get("/?lang=ar")
    form = client.get("/forms/listening_session").text
    assert html_tag(form) == '<html lang="ar" dir="rtl">'
    assert 'name="_lang" value="ar"' in form and "إنهاء وإرسال" in form
    # The form's own language links (?lang=) change the choice for every page.
    client.get("/forms/listening_session?lang=sw")
    assert html_tag(client.get("/").text).startswith('<html lang="sw"')


def test_coordinators_see_labels_in_their_language(client, auth):
    auth.login("coordinator")
    client.get("/?lang=fr")
    page = client.get("/coordinate/dashboard?survey=community_feedback").text
    assert re.search(r'<a [^>]*lang="fr" aria-current="true"', page)
    assert "Tableau de bord" in page


def test_a_survey_language_the_interface_lacks_keeps_the_interface_language(client, auth, app):
    """Chichewa (ny) is remembered for the surveys that have it; the interface, which does
    not, stays in English, and so does a survey without it."""
    auth.login("facilitator")
    response = client.get("/forms/listening_session?lang=ny")
    assert response.status_code == 200 and html_tag(response.text).startswith('<html lang="en"')
    assert "lang=ny" in response.headers["Set-Cookie"]  # remembered for surveys that have it


@pytest.mark.parametrize("asked", ["xx", "de", "<script>", ""])
def test_a_strange_language_is_ignored(client, asked):
    response = client.get("/login", query_string={"lang": asked})
    assert response.status_code == 200 and html_tag(response.text).startswith('<html lang="en"')
    assert "<script>" not in response.headers.get("Set-Cookie", "")


def test_error_pages_and_messages_are_translated(client, auth):
    assert "<h1>Introuvable.</h1>" in client.get("/no-such-page?lang=fr").text
    wrong = client.post(
        "/login?lang=sw",
        data={"username": "nobody", "password": "x", "csrf_token": Auth(client).csrf()},
    )
    assert "Jina la mtumiaji au nenosiri si sahihi" in wrong.text
    empty = client.post("/login?lang=ar", data={"csrf_token": Auth(client).csrf()})
    assert "هذا الحقل مطلوب." in empty.text
    auth.login("facilitator")
    client.get("/logout?lang=fr")
    signed_out = client.post("/logout", data={"csrf_token": Auth(client).csrf()}, follow_redirects=True)
    assert "Vous êtes déconnecté." in signed_out.text


def test_validation_messages_shown_in_the_page_language(app, client):
    link = make_link(app)
    fields = form_fields(_lang="ar")
    del fields["age_band"]
    page = client.post(f"/p/{link.token}?lang=ar", data=fields).text
    assert "هذه الإجابة مطلوبة." in page
    with app.test_request_context("/?lang=fr"):
        # By code, with named parameters; the author's own words in the form's language.
        assert ui_message({"code": "min", "params": {"n": 5}}) == "Doit être au moins 5."
        asked = {"code": "required", "text": {"en": "Ask again.", "fr": "Redemandez."}}
        assert ui_message(asked, "fr") == "Cette réponse est obligatoire. Redemandez."
        assert ui_message(asked, "sw") == "Cette réponse est obligatoire. Ask again.", "the form's default"
        # A message stored before codes existed is shown as stored, never matched.
        assert ui_message("Must be at least 5.") == "Must be at least 5."


# ---- the catalogues ----------------------------------------------------------------------


def read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def extract(target: Path) -> None:
    """Extract the msgids from the code and templates, as the README says."""
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(target),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    """A new interface string in a template or module must be extracted and translated."""
    fresh = tmp_path / "messages.pot"
    extract(fresh)
    found, committed = ids(read(fresh)), ids(read(TRANSLATIONS / "messages.pot"))
    assert sorted(map(str, found - committed)) == [], "run the README's extract and update steps"
    assert sorted(map(str, committed - found)) == [], "strings no longer used: run the update step"


@pytest.mark.parametrize("lang", ["fr", "ar", "sw"])
def test_every_message_is_translated(lang):
    catalog = read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
    assert "NEEDS REVIEW BY A NATIVE SPEAKER" in catalog.header_comment
    assert ids(catalog) == ids(read(TRANSLATIONS / "messages.pot"))
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and len(strings) == (catalog.num_plurals if message.pluralizable else 1), (
            message.id
        )
        assert not message.fuzzy, message.id
        source = message.id[-1] if message.pluralizable else message.id
        for string in strings:  # the scripts' {placeholders} and the markup survive translation
            assert sorted(re.findall(r"\{\w+\}", string)) == sorted(re.findall(r"\{\w+\}", source)), (
                message.id
            )
            assert sorted(re.findall(r"</?\w+>", string)) == sorted(re.findall(r"</?\w+>", source)), (
                message.id
            )
    assert [(m.id, errors) for m, errors in catalog.check()] == []  # python-format placeholders


def js_literals() -> set[str]:
    """Every English text the scripts look up (t, tn, say), concatenations joined."""
    found = set()
    piece = r"'(?:[^'\\]|\\.)*'"
    chain = rf"{piece}(?:\s*\+\s*{piece})*"
    for path in (ROOT / "static" / "js").glob("*.js"):
        source = path.read_text()
        for call in re.finditer(rf"\b(?:t|say)\(\s*({chain})", source):
            found.add("".join(text[1:-1].replace("\\'", "'") for text in re.findall(piece, call.group(1))))
        for call in re.finditer(rf"\btn\([^,]+,\s*({piece}),\s*({piece})", source):
            found.update(text[1:-1].replace("\\'", "'") for text in call.groups())
    return found


def test_every_script_text_is_sent_to_the_page():
    literals = js_literals()
    assert len(literals) > 60
    assert sorted(literals - set(JS_STRINGS)) == []


def test_catalogues_are_compiled_when_missing_or_stale(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    assert ensure_compiled(copy) == [copy]
    compiled = [po.with_suffix(".mo") for po in catalogues(copy)]
    assert len(compiled) == 3 and all(mo.exists() for mo in compiled)
    before = compiled[0].stat().st_mtime_ns
    ensure_compiled(copy)
    assert compiled[0].stat().st_mtime_ns == before  # nothing to do
    po = catalogues(copy)[0]
    po.touch()
    ensure_compiled(copy)
    assert compiled[0].stat().st_mtime >= po.stat().st_mtime


def test_an_unwritable_catalogue_folder_compiles_into_the_fallback(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    blocked = catalogues(copy)[0].with_suffix(".mo")
    blocked.mkdir()  # the .mo cannot be written there,
    os.utime(blocked, (0, 0))  # and what is there is older than the .po
    fallback = tmp_path / "instance" / "translations"
    assert ensure_compiled(copy, fallback=fallback) == [copy, fallback]
    assert (fallback / blocked.relative_to(copy)).is_file()


# ---- in the browser ----------------------------------------------------------------------

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_switching_to_arabic_mirrors_the_page_without_sideways_scroll(browser, live_server, app, tmp_path):
    link = make_link(app)
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/login")
        assert page.get_attribute("html", "dir") == "ltr"
        box = page.locator("header a[data-lang=ar]").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # a touch target
        page.click("header a[data-lang=ar]")
        page.wait_for_url("**/login?lang=ar")
        assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
        assert page.text_content("h1") == "تسجيل الدخول"
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the sign-in page scrolls sideways in Arabic"
        assert {c["name"]: c["value"] for c in context.cookies()}["lang"] == "ar"
        browser_login(page, "coordinator")  # remembered: the next pages are Arabic too
        for path in ("/", "/forms/listening_session", "/coordinate/submissions", f"/p/{link.token}"):
            page.goto(path)
            assert page.get_attribute("html", "dir") == "rtl", path
            assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways in Arabic"
        page.goto("/")
        assert page.evaluate("() => localStorage.getItem('survey-app-lang')") == "ar"
        page.screenshot(path=str(tmp_path / "home-ar-360.png"), full_page=True)
    finally:
        context.close()


def test_the_scripts_speak_the_page_language(phone):
    page = phone.new_page()
    browser_login(page)
    page.goto("/?lang=fr")
    page.wait_for_function("() => document.getElementById('sync-summary').textContent.includes('serveur')")
    assert page.text_content("#sync-summary").startswith("Rien n'attend d'être envoyé.")
    assert page.text_content("#drafts-list") == "Aucun brouillon."


def test_switching_language_offline_keeps_the_form_usable(phone):
    """Offline, the worker serves the form as it was saved (interface in its language); the
    questions switch to the chosen language in place, and the choice is kept for later."""
    page = phone.new_page()
    browser_login(page)
    page.goto("/forms/listening_session")
    wait_for_worker(page)
    page.reload()
    page.wait_for_selector(".save-state")
    phone.set_offline(True)
    try:
        page.click("nav[data-form-langs] summary")  # the page's one language choice
        page.click("nav[data-form-langs] a[data-lang=ar]")
        page.wait_for_function("() => document.querySelector('form.survey-form').dir === 'rtl'")
        assert page.text_content("nav[data-form-langs] [data-lang-current]") == "العربية"
        assert page.text_content("h1") == "جلسة استماع مجتمعية"  # the questions follow the choice
        assert page.get_attribute("html", "lang") == "en"  # the saved page's own interface
        page.check("input[name=consent][value=yes]")  # still usable
        assert {c["name"]: c["value"] for c in phone.cookies()}["lang"] == "ar"
    finally:
        phone.set_offline(False)
    page.goto("/")  # online again: the server follows the choice made offline
    assert page.get_attribute("html", "dir") == "rtl"


def test_a_form_with_languages_of_its_own_shows_only_its_choice(auth, client):
    """One language row: a form with several languages replaces the header's switcher."""
    auth.login("facilitator")
    form = client.get("/forms/listening_session").text
    assert 'class="langs ui-langs"' not in form and form.count("data-form-langs") == 1
    assert 'class="langs ui-langs"' in client.get("/").text


STAFF_WORDS = re.compile(r"Outbox|Sync now|Storage|sync|\bv\d+\b|used of")
PLAIN = {
    "en": ("Send now", "Waiting to send", "Space on this phone"),
    "fr": ("Envoyer maintenant", "En attente d'envoi", "Place sur ce téléphone"),
    "ar": ("أرسل الآن", "في انتظار الإرسال", "المساحة على هذا الهاتف"),
    "sw": ("Tuma sasa", "Zinasubiri kutumwa", "Nafasi kwenye simu hii"),
}


@pytest.mark.parametrize("lang", UI_LANGUAGES)
def test_the_facilitators_home_page_speaks_plain_words(auth, client, lang):
    """No staff words on a facilitator's home page: no versions, outbox, sync or storage."""
    auth.login("facilitator")
    page = html.unescape(client.get(f"/?lang={lang}").text)
    main = re.search(r"<main.*</main>", page, re.S).group(0)
    visible = re.sub(r"<[^>]+>", " ", main)
    assert not STAFF_WORDS.search(visible), STAFF_WORDS.search(visible)
    for words in PLAIN[lang]:
        assert words in visible


def test_the_scripts_plain_words_are_translated():
    """The phone's words about sending and space exist in every language."""
    from survey_app.languages.messages import JS_STRINGS

    for text in (
        "Last sent to the server: {when}.",
        "Kept safe: the phone will not delete these records to make space.",
        "{used} saved.",
    ):
        assert text in JS_STRINGS
    assert not [t for t in JS_STRINGS if STAFF_WORDS.search(t)]
