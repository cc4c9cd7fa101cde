"""``survey-app doctor``: what an operator forgets, each problem printed with its fix.

Checks only what it can see from this machine without changing anything: the secret key
and the instance folder's permissions, TLS settings behind a proxy, free disk, the SQLite
version, how old the last backup or replica is, rate-limit storage with several workers,
and pending migrations. Exits 1 when there is a problem, so it can run from cron or CI.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

MIN_FREE_BYTES = 1024**3  # a sync batch is small, but an export or a WAL can take hundreds of MB
MIN_FREE_SHARE = 0.10
BACKUP_MAX_AGE_HOURS = 26  # a daily backup, with some slack
SAFE_SQLITE = (3, 51, 3)  # DESIGN.md: the WAL-reset bug is fixed from 3.51.3


@dataclass
class Finding:
    """One check's result; ``ok`` with a ``fix`` is a note (worth knowing, not a failure)."""

    ok: bool
    what: str
    fix: str = ""


def last_backup_file(database: str | Path) -> Path:
    """Where ``survey-app backup`` notes its last copy (beside the database, which is writable)."""
    database = Path(database)
    return database.with_name(database.name + ".last-backup.json")


def note_backup(database: str | Path, target: Path, submissions: int) -> None:
    last_backup_file(database).write_text(
        json.dumps({"path": str(target), "at": time.time(), "submissions": submissions})
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_secret(config: dict, instance: Path, environ: dict) -> list[Finding]:
    findings = []
    if environ.get("SURVEY_APP_SECRET_KEY"):
        if len(config["SECRET_KEY"]) < 32:
            findings.append(
                Finding(
                    False,
                    "SURVEY_APP_SECRET_KEY is shorter than 32 characters: sessions can be forged.",
                    "Set it to a long random value: python3 -c 'import secrets; print(secrets.token_hex(32))'"
                    " (or unset it: the app then keeps a generated key in the instance folder).",
                )
            )
        else:
            findings.append(Finding(True, "secret key set in the environment (long enough)"))
    key_file = instance / "secret_key"
    if key_file.exists():
        if _mode(key_file) & 0o077:
            findings.append(
                Finding(
                    False,
                    f"{key_file} can be read by other users (mode {_mode(key_file):o}).",
                    f"chmod 600 {key_file}",
                )
            )
        else:
            findings.append(Finding(True, f"secret key file {key_file} is private"))
    if instance.exists() and _mode(instance) & 0o007:
        findings.append(
            Finding(
                False,
                f"The instance folder {instance} is open to other users (mode {_mode(instance):o}).",
                f"chmod 750 {instance}  (owner: the account the app runs as)",
            )
        )
    return findings


def check_tls(config: dict) -> list[Finding]:
    base = config["BASE_URL"]
    if not base:
        return [
            Finding(
                False,
                "BASE_URL is not set: printed links and QR codes use whatever address a request came to.",
                "Set SURVEY_APP_BASE_URL to the public https address, e.g. https://survey.example.org",
            )
        ]
    parsed = urlparse(base)
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    findings = []
    if parsed.scheme != "https" and not local:
        findings.append(
            Finding(
                False,
                f"BASE_URL {base} is not https: phones will not install the offline app (service"
                " workers need HTTPS) and passwords cross the network in the clear.",
                "Put nginx with TLS in front (deploy/README.md) and set SURVEY_APP_BASE_URL=https://...",
            )
        )
    if parsed.scheme == "https" and not config["SECURE_COOKIES"]:
        findings.append(
            Finding(
                False,
                "The app is served over https but SECURE_COOKIES is off: cookies may leak over plain http.",
                "Set SURVEY_APP_SECURE_COOKIES=1",
            )
        )
    if parsed.scheme == "https" and not local and config["TRUSTED_PROXIES"] < 1:
        findings.append(
            Finding(
                False,
                "BASE_URL is https but TRUSTED_PROXIES is 0: behind nginx every phone shares the"
                " proxy's address for the rate limits, and the app does not know requests came over https.",
                "Set SURVEY_APP_TRUSTED_PROXIES=1 (one nginx in front, as in deploy/)",
            )
        )
    if not findings:
        findings.append(Finding(True, f"public address {base}, Secure cookies"))
    return findings


def check_disk(database: Path) -> list[Finding]:
    folder = database.parent if database.parent.exists() else Path.cwd()
    usage = shutil.disk_usage(folder)
    if usage.free < MIN_FREE_BYTES or usage.free < usage.total * MIN_FREE_SHARE:
        return [
            Finding(
                False,
                f"Only {usage.free / 1e9:.2f} GB free of {usage.total / 1e9:.1f} GB where the database is"
                f" ({folder}). When it is full, phones get 503 and keep their records until space is freed.",
                "Free space (old exports, logs, backups on the same disk) or move the database to a larger"
                " disk (SURVEY_APP_DATABASE).",
            )
        ]
    return [Finding(True, f"{usage.free / 1e9:.1f} GB free where the database is")]


def check_sqlite() -> list[Finding]:
    version = sqlite3.sqlite_version
    if tuple(int(p) for p in version.split(".")) >= SAFE_SQLITE:
        return [Finding(True, f"SQLite {version}")]
    return [
        Finding(
            True,  # a note, not a problem: nothing an operator can install fixes it today
            f"SQLite {version} is older than 3.51.3, which fixes a rare WAL corruption when several"
            " connections write or checkpoint at the same moment. The app keeps writes to one at a time"
            " (BEGIN IMMEDIATE), which avoids the race. pysqlite3-binary bundles 3.51.1, also older than"
            " the fix, and the app opens connections with Python's own sqlite3, so installing it changes"
            " nothing: do not.",
            "Keep backups and replication on; move to a Python built with SQLite 3.51.3 or newer when"
            " your distribution ships one (python3 -c 'import sqlite3; print(sqlite3.sqlite_version)').",
        )
    ]


def _replica_age(url: str) -> float | None:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    folder = Path(parsed.path)
    times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return time.time() - max(times) if times else float("inf")


def check_backups(database: Path, environ: dict) -> list[Finding]:
    findings = []
    note = last_backup_file(database)
    replica = environ.get("LITESTREAM_REPLICA_URL", "")
    ages = []
    if note.exists():
        info = json.loads(note.read_text())
        ages.append(("backup " + info["path"], time.time() - info["at"]))
    if replica:
        age = _replica_age(replica)
        if age is None:
            findings.append(
                Finding(True, f"replica {replica}: not on this machine; check it with: litestream ltx DB")
            )
        else:
            ages.append((f"replica {replica}", age))
    if not ages and not findings:
        return [
            Finding(
                False,
                "No backup has been taken (survey-app backup) and no replica is configured.",
                "Turn on Litestream (deploy/README.md, Replication) and take a daily"
                " survey-app backup PATH to another disk (a systemd timer or cron).",
            )
        ]
    for name, age in ages:
        hours = age / 3600
        if hours > BACKUP_MAX_AGE_HOURS:
            shown = "never written" if age == float("inf") else f"{hours:.0f} hours old"
            findings.append(
                Finding(
                    False,
                    f"The last {name} is {shown}.",
                    "Check the backup timer or the survey-app-litestream service (journalctl -u ...).",
                )
            )
        else:
            findings.append(Finding(True, f"last {name}: {hours * 60:.0f} minutes ago"))
    return findings


def configured_workers(environ: dict) -> int:
    import multiprocessing

    return int(environ.get("SURVEY_APP_WORKERS", min(4, multiprocessing.cpu_count() * 2)))


def check_rate_limits(config: dict, environ: dict) -> list[Finding]:
    workers = configured_workers(environ)
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and workers > 1:
        return [
            Finding(
                False,
                f"Rate limits are counted in memory but {workers} workers serve: each counts alone, so"
                f" public links take {workers} times the configured rate.",
                "Set SURVEY_APP_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (apt-get install"
                " redis-server; pip install redis), or SURVEY_APP_WORKERS=1.",
            )
        ]
    return [Finding(True, f"rate limits: {config['RATELIMIT_STORAGE_URI']} with {workers} worker(s)")]


def check_migrations(database: Path) -> list[Finding]:
    from .db import connect
    from .migrate import load_migrations

    if not database.exists():
        return [Finding(False, f"There is no database at {database}.", "survey-app init")]
    db = connect(str(database))
    try:
        pending = [m.name for m in load_migrations().pending(db)]
    finally:
        db.close()
    if pending:
        return [Finding(False, "Migrations not applied: " + ", ".join(pending), "survey-app migrate")]
    return [Finding(True, "database schema up to date")]


def run_checks(config: dict, instance: Path, environ: dict | None = None) -> list[Finding]:
    environ = os.environ if environ is None else environ
    database = Path(config["DATABASE"])
    return [
        *check_secret(config, instance, environ),
        *check_tls(config),
        *check_disk(database),
        *check_sqlite(),
        *check_backups(database, environ),
        *check_rate_limits(config, environ),
        *check_migrations(database),
    ]
