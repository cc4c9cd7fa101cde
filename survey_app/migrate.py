"""Apply the append-only schema migrations in the top-level ``migrations/`` folder.

Each file there (``m0001_initial.py``, ``m0002_...``) defines ``apply(db)``; files run
in name order, once, through sqlite-utils' built-in ``Migrations``, which records what
ran in ``_sqlite_migrations``. Never edit a file that has shipped: add a new one.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .paths import MIGRATIONS_DIR


def load_migrations(folder: Path = MIGRATIONS_DIR) -> Migrations:
    """Build the migration set from the files, in order of their names."""
    migrations = Migrations("survey_app")
    for path in sorted(folder.glob("m[0-9]*.py")):
        spec = importlib.util.spec_from_file_location(f"survey_app_migrations.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        migrations(name=path.stem)(module.apply)
    return migrations


def migrate(db: Database) -> list[str]:
    """Apply pending migrations; return the names applied."""
    migrations = load_migrations()
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending
