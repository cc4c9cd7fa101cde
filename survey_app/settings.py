"""Settings as data: every setting has a name, a default and a help text.

Each is read from a ``SURVEY_APP_<NAME>`` environment variable, so a deployment is
configured without editing code, and ``survey-app settings`` can list them all.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "SURVEY_APP_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str

    def parse(self, raw: str) -> Any:
        """Turn an environment string into the setting's type."""
        if self.kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if self.kind is int:
            return int(raw)
        return raw


SETTINGS: list[Setting] = [
    Setting("DATABASE", "", "Path of the SQLite file (default: <instance>/survey.db)."),
    Setting("SECRET_KEY", "", "Secret for signing sessions; generated once into the instance folder."),
    Setting(
        "SESSION_DAYS",
        30,
        "How many days a sign-in lasts (field work runs offline for weeks).",
        int,
    ),
    Setting(
        "MAX_BODY_BYTES",
        5 * 1024 * 1024,
        "Largest request body accepted, in bytes (413 above).",
        int,
    ),
    Setting("MAX_BATCH_ITEMS", 500, "Most submissions accepted in one sync batch.", int),
    Setting("SECURE_COOKIES", False, "Send cookies only over HTTPS (turn on behind TLS).", bool),
    Setting("BUSY_TIMEOUT_MS", 5000, "How long a write waits for the SQLite lock before a 503.", int),
    # The coordinators' derived index (survey_app/review/derived_index.py).
    Setting(
        "INDEX_IN_BACKGROUND",
        True,
        "Index newly synced records in a background thread of the server (one per server).",
        bool,
    ),
    Setting(
        "INDEX_ON_READ_MS",
        100,
        "At most how long a coordinator's read indexes waiting records before it answers (0: never).",
        int,
    ),
    # Public feedback links (survey_app/links): printed URLs, rate limits.
    Setting(
        "BASE_URL",
        "",
        "Public address of the app for printed links and QR codes, e.g. https://survey.example.org"
        " (empty: the address the coordinator's request came to).",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live: memory:// (one process) or a Redis URL such as"
        " redis://127.0.0.1:6379/0 when several workers serve (pip install redis).",
    ),
    Setting(
        "LINK_RATE_PER_ADDRESS",
        "30 per minute;300 per hour",
        "Form posts and sync batches one client address may send through public links.",
    ),
    Setting(
        "LINK_RATE_PER_LINK",
        "60 per minute;2000 per hour",
        "Form posts and sync batches one public link may receive, from all addresses together.",
    ),
    Setting("LINK_PAGE_RATE", "300 per minute", "Public-link page views per client address."),
    Setting("LINK_MAX_BATCH_ITEMS", 100, "Most records in one sync batch through a public link.", int),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For is trusted for rate limits.",
        int,
    ),
]


def load_settings(instance_path: str | Path, environ: dict[str, str] | None = None) -> dict:
    """Return Flask config keys for every setting, from the environment or defaults."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.name)
        config[setting.name] = setting.parse(raw) if raw not in (None, "") else setting.default
    instance = Path(instance_path)
    if not config["DATABASE"]:
        config["DATABASE"] = str(instance / "survey.db")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    return config


def _instance_secret(instance: Path) -> str:
    """Read the generated secret key, creating it once; never a hard-coded key."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
