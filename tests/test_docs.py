"""The docs document every command and every setting (a new one fails here until it is).

The README is a newcomer's first page; commands and settings live in docs/reference.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app.cli import main
from survey_app.settings import ENV_PREFIX, SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Commands and settings are documented in docs/ (reference.md lists them all; a topic page may
# explain one in depth).
REFERENCE = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_reference(command):
    assert f"survey-app {command}" in REFERENCE


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_in_the_reference(setting):
    assert f"`{setting}`" in REFERENCE or f"{ENV_PREFIX}{setting}" in REFERENCE


def test_the_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in ci and "./scripts/test.sh" in README


def test_the_readme_stays_a_first_page():
    assert len(README.splitlines()) < 200
    for link in ("docs/reference.md", "docs/sync-api.md", "docs/offline.md"):
        assert link in README and (ROOT / link).is_file()
