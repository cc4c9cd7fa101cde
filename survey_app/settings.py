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
        "How many days a sign-in lasts after it was last used (field work runs offline for weeks).",
        int,
    ),
    Setting("SESSION_MAX_DAYS", 90, "Most days a sign-in lasts however often it is used.", int),
    Setting(
        "SIGNIN_RATE_PER_ACCOUNT",
        "10 per 15 minutes",
        "Failed sign-ins allowed for one username before it is paused (429).",
    ),
    Setting(
        "SIGNIN_RATE_PER_ADDRESS",
        "30 per 15 minutes",
        "Failed sign-ins allowed from one client address before it is paused (429).",
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
    # The coordinators' derived index (survey_app/records/derived_index.py).
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
    # Attachments (survey_app/attachments): photos, recordings and files of records.
    Setting(
        "ATTACHMENTS_DIR",
        "",
        "Folder of uploaded files (default: an attachments folder beside the database);"
        " back it up with the database.",
    ),
    Setting("ATTACHMENT_MAX_FILE_BYTES", 50 * 1024 * 1024, "Largest single file, in bytes (413 above).", int),
    Setting(
        "ATTACHMENT_MAX_RECORD_BYTES",
        200 * 1024 * 1024,
        "Most bytes of files one record may carry (413 above).",
        int,
    ),
    Setting(
        "UPLOAD_ABANDON_HOURS",
        72,
        "Hours without a byte after which an unfinished upload is deleted (at least 1; a phone"
        " that comes back sends the file again).",
        int,
    ),
    Setting(
        "ATTACHMENT_MAX_SURVEY_BYTES",
        20 * 1024 * 1024 * 1024,
        "Most bytes of files one survey may hold, all records together (413 above).",
        int,
    ),
    Setting(
        "LINK_TICKET_DAYS",
        30,
        "How many days a public form page opened while its link was open still vouches for the"
        " answers filled on it, once the link has closed (paused, expired, full).",
        int,
    ),
    Setting(
        "PUBLIC_DRAFT_HOURS",
        12,
        "Hours after its last change that a public link's unfinished answer is deleted from the"
        " phone (a shared phone must not keep it for the next person).",
        int,
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of the app (1 behind deploy/'s nginx) whose X-Forwarded-For and"
        " X-Forwarded-Proto are believed: the client address for rate limits, https for URLs."
        " 0: nobody's.",
        int,
    ),
    Setting(
        "BODY_TIMEOUT_SECONDS",
        20,
        "A request body that sends nothing for this long is cut off with 408, so stalled uploads"
        " cannot hold the app server's threads (0: no limit; nginx buffers bodies anyway).",
        int,
    ),
    # XLSForm uploads (survey_app/xlsform/limits.py): bounds checked before pyxform runs.
    Setting("XLSFORM_MAX_ROWS", 20_000, "Most rows an XLSForm may have, over all its sheets.", int),
    Setting("XLSFORM_MAX_CELLS", 400_000, "Most cells an XLSForm may have, over all its sheets.", int),
    Setting("XLSFORM_MAX_UNZIPPED_MB", 50, "Most megabytes an .xlsx may unpack to (zip bombs).", int),
    Setting(
        "XLSFORM_MAX_SECONDS", 30, "Longest time reading one XLSForm may take before it is stopped.", int
    ),
    Setting("XLSFORM_MAX_MEMORY_MB", 1024, "Most memory reading one XLSForm may use.", int),
    # "What we heard" pages and shared plan exports (survey_app/plans): small counts hidden.
    Setting(
        "HEARD_THRESHOLD",
        5,
        "Smallest count a public page or shared export shows; smaller ones (and any that would"
        " reveal them from totals) are suppressed.",
        int,
    ),
]


def environment_values(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Every setting from the environment or its default (no instance folder touched)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.name)
        values[setting.name] = setting.parse(raw) if raw not in (None, "") else setting.default
    return values


def load_settings(instance_path: str | Path, environ: dict[str, str] | None = None) -> dict:
    """Return Flask config keys for every setting, from the environment or defaults."""
    config = environment_values(environ)
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
