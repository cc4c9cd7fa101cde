"""The README documents every command and every setting (a new one fails here until it is)."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app.cli import main
from survey_app.settings import ENV_PREFIX, SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command):
    assert f"survey-app {command}" in README


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_in_the_readme(setting):
    assert f"`{setting}`" in README or f"{ENV_PREFIX}{setting}" in README


def test_the_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "./scripts/test.sh" in ci and "./scripts/test.sh" in README
