"""``survey-app doctor`` on a misconfigured instance and on a well-kept one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from survey_app.doctor import note_backup, run_checks
from survey_app.settings import load_settings


def doctor(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "survey_app.cli", "doctor"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=120,
    )


def test_a_misconfigured_instance_gets_each_problem_with_its_fix(tmp_path, template_database):
    database = tmp_path / "field.db"
    shutil.copyfile(template_database, database)
    result = doctor(
        {
            "HOME": str(tmp_path),
            "SURVEY_APP_DATABASE": str(database),
            "SURVEY_APP_SECRET_KEY": "short",
            "SURVEY_APP_BASE_URL": "https://survey.example.org",
            "SURVEY_APP_WORKERS": "4",
        }
    )
    assert result.returncode == 1
    out = result.stdout
    for problem in (
        "SURVEY_APP_SECRET_KEY is shorter than 32 characters",
        "SECURE_COOKIES is off",
        "TRUSTED_PROXIES is 0",
        "No backup has been taken",
        "4 workers serve",
    ):
        assert problem in out, out
    assert out.count("PROBLEM") == out.count("  fix:") >= 5
    assert "SQLite " in out  # the version is always reported


def test_plain_http_to_the_world_is_a_problem(tmp_path):
    config = load_settings(tmp_path, {"SURVEY_APP_BASE_URL": "http://survey.example.org"})
    findings = run_checks(config, tmp_path, {})
    assert any(not f.ok and "not https" in f.what for f in findings)


def test_a_well_kept_instance_has_no_problem(tmp_path, template_database):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    database = instance / "field.db"
    shutil.copyfile(template_database, database)
    env = {
        "SURVEY_APP_DATABASE": str(database),
        "SURVEY_APP_BASE_URL": "https://survey.example.org",
        "SURVEY_APP_SECURE_COOKIES": "1",
        "SURVEY_APP_TRUSTED_PROXIES": "1",
        "SURVEY_APP_WORKERS": "1",
    }
    config = load_settings(instance, env)  # generates the secret key file, mode 600
    note_backup(database, tmp_path / "nightly.db", 0)
    findings = run_checks(config, instance, env)
    assert [f.what for f in findings if not f.ok] == []
    os.chmod(instance / "secret_key", 0o644)
    note = database.with_name("field.db.last-backup.json")
    note_backup(database, tmp_path / "nightly.db", 0)
    info = json.loads(note.read_text())
    info["at"] = time.time() - 3 * 24 * 3600  # the nightly backup stopped three days ago
    note.write_text(json.dumps(info))
    problems = [f for f in run_checks(config, instance, env) if not f.ok]
    assert any("can be read by other users" in f.what and "chmod 600" in f.fix for f in problems)
    assert any("72 hours old" in f.what for f in problems)
