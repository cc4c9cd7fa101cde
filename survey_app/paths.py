"""Where the app's data folders are, in a source checkout and in an installed wheel.

The top-level ``migrations/``, ``static/`` and ``deploy/`` folders stay where they are in
the repository; the build configuration (pyproject.toml) maps them into the wheel as
``survey_app/migrations``, ``survey_app/static`` and ``survey_app/deploy``. Code asks this
module instead of walking ``parent.parent``, which only works in a checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The installed copy (inside the package) if there is one, else the checkout's folder."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


STATIC_DIR = data_dir("static")
MIGRATIONS_DIR = data_dir("migrations")
DEPLOY_DIR = data_dir("deploy")
GUNICORN_CONFIG = DEPLOY_DIR / "gunicorn.conf.py"
