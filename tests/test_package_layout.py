"""The read side's layout (issue 13): one translated-text helper, no import cycle between
the form page and the languages, and the sync route in ``sync/``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "survey_app"


def test_languages_import_nothing_of_the_form_page():
    # capture/i18n.py reads the language choice from languages/; the other way round was a
    # cycle that made import order matter.
    code = (
        "import sys, survey_app.languages, survey_app.languages.texts;"
        "print(sorted(m for m in sys.modules if m.startswith('survey_app.capture')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_one_helper_picks_a_text_in_a_language():
    # Picking a label from a {language: text} map is done by languages/texts.translate only;
    # six copies with three fallback orders showed one label differently on two pages.
    copy = re.compile(r"\.get\((?:self\.)?(?:language|lang|default_language|default)\b[^)]*\)\s+or\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path != PACKAGE / "languages" / "texts.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if copy.search(line)
    ]
    assert offenders == []


def test_translate_falls_back_the_same_way_everywhere():
    from survey_app.languages.texts import translate

    text = {"fr": "Bonjour", "en": "Hello", "sw": ""}
    assert translate(text, "fr") == "Bonjour"
    assert translate(text, "sw", "en") == "Hello"  # empty counts as missing
    assert translate(text, "ar", "de") == "Bonjour"  # then the first language that has it
    assert translate("Plain", "ar") == "Plain"
    assert translate(None, "en", missing=None) is None


def test_the_sync_route_lives_in_the_sync_package(app):
    rules = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert rules["/api/v1/submissions"] == "sync.submissions"
    assert app.view_functions["sync.submissions"].__module__ == "survey_app.sync.routes"


def test_read_side_modules_live_in_records():
    for name in ("filters.py", "derived_index.py", "review_states.py", "source.py"):
        assert (PACKAGE / "records" / name).is_file()
    assert not (PACKAGE / "review" / "filters.py").exists()
    assert not (PACKAGE / "review" / "derived_index.py").exists()


@pytest.mark.parametrize(
    "module",
    ["survey_app.surveys.messages", "survey_app.surveys.answer_checks", "survey_app.sync.ingest"],
)
def test_a_module_that_validation_uses_imports_on_its_own(module):
    # surveys.messages imports languages.texts, whose package imports languages.messages,
    # which needs surveys.messages back: imported first, each of these failed (a script or
    # a worker that starts with the sync code).
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
