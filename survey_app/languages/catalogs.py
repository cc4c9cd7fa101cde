"""Compiling the translation catalogues (``.po`` to ``.mo``) when they are missing or stale.

Only the ``.po`` files are kept in git (people review and edit them); the ``.mo`` files
gettext reads are build products. Compiling them when the app starts, instead of in a
separate set-up step, means ``scripts/run.sh``, ``scripts/test.sh``, ``pip install -e .``
and a fresh clone all get working catalogues with nothing to remember. It costs a few
``stat`` calls when nothing changed. Several gunicorn workers may start together, so each
``.mo`` is written to a temporary file and renamed into place (readers never see half).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def catalogues(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/messages.po`` under ``directory``, sorted."""
    return sorted(directory.glob("*/LC_MESSAGES/messages.po"))


def is_stale(po: Path, mo: Path) -> bool:
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogue(po: Path, mo: Path) -> None:
    """Write ``mo`` from ``po`` atomically; fuzzy entries are left out, as gettext does."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    mo.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".messages-", suffix=".mo", dir=mo.parent)
    try:
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_compiled(directory: Path = TRANSLATIONS_DIR, fallback: Path | None = None) -> list[Path]:
    """Compile stale catalogues; return the directories gettext should read, in order.

    When the package's own folder is read-only (an installed wheel), a stale catalogue is
    compiled into ``fallback`` (the instance folder) instead, with the same layout; it is
    listed last, so its messages win over the packaged ones.
    """
    directories = [directory]
    for po in catalogues(directory):
        mo = po.with_suffix(".mo")
        if not is_stale(po, mo):
            continue
        try:
            compile_catalogue(po, mo)
        except OSError:
            if fallback is None:
                raise
            moved = fallback / po.relative_to(directory).with_suffix(".mo")
            if is_stale(po, moved):
                compile_catalogue(po, moved)
            if fallback not in directories:
                directories.append(fallback)
        log.info("compiled translations %s", po.parent.parent.name)
    return directories
