"""XLSForm import: coordinators bring the forms they already build for ODK or KoboToolbox.

``import_xlsform(db, data, filename, user_id, attachments)`` reads the workbook with pyxform
(which also reports its own errors and warnings), converts pyxform's parsed form to our
definition format (``convert.py``, refusing only what cannot work, by row and column, never
half-importing), reads the form attachments into it (``attachments.py``), and publishes it
as a new version of the survey named by the form's ``form_id``.

``check_xlsform`` is the single entry point every import goes through (the upload page, the
CLI and ``import_xlsform``): checks on the upload itself belong at its start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import has_app_context
from sqlite_utils import Database

from ..attachments.storage import files_root as app_files_root
from ..surveys.registry import PublishError, publish
from .attachments import Attachments
from .convert import convert_form
from .limits import LimitExceeded, Limits, check_upload, run_bounded
from .media import store_media
from .reader import UnreadableWorkbook, read_workbook

__all__ = ["ImportResult", "XLSFormRefused", "check_xlsform", "import_xlsform"]


@dataclass
class ImportResult:
    """What happened: the published definition (or None), and everything to tell the author."""

    definition: dict | None
    created: bool = False
    errors: list[str] = field(default_factory=list)
    pyxform_warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Things that work but not fully until the author acts (a missing attachment).
    warnings: list[str] = field(default_factory=list)
    #: pyxform itself refused the form (ODK tools would refuse it too).
    pyxform_refused: bool = False

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.errors


class XLSFormRefused(ValueError):
    """The form was not imported; ``result`` says why."""

    def __init__(self, result: ImportResult):
        super().__init__("; ".join(result.errors) or "The form was not imported.")
        self.result = result


def check_xlsform(
    data: bytes,
    filename: str | None = None,
    attachments: dict[str, bytes] | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Read and convert a workbook (with its attachments, by file name) without publishing,
    within the upload bounds (limits.py)."""
    limits = limits or Limits.current()
    try:
        check_upload(data, filename, limits)
        return run_bounded(_check_unbounded, (data, filename, attachments), limits)
    except LimitExceeded as exc:
        return ImportResult(None, errors=[str(exc)])


def _check_unbounded(
    data: bytes, filename: str | None = None, attachments: dict[str, bytes] | None = None
) -> ImportResult:
    try:
        book = read_workbook(data, filename)
    except UnreadableWorkbook as exc:
        return ImportResult(None, errors=[str(exc)], pyxform_refused=True)
    if book.form is None:
        return ImportResult(
            None, errors=book.pyxform_errors, pyxform_warnings=book.pyxform_warnings, pyxform_refused=True
        )
    conversion = convert_form(book, book.form, Attachments(attachments, book.external_choices))
    return ImportResult(
        conversion.definition,
        errors=list(dict.fromkeys(conversion.errors)),
        pyxform_warnings=book.pyxform_warnings,
        notes=conversion.notes,
        warnings=conversion.warnings,
    )


def import_xlsform(
    db: Database,
    data: bytes,
    filename: str | None = None,
    user_id: int | None = None,
    attachments: dict[str, bytes] | None = None,
    files_root: Path | None = None,
) -> ImportResult:
    """Check a workbook and publish it; raise :class:`XLSFormRefused` if it cannot be.

    Media files go into the attachments folder (``files_root``, else the app's) before the
    version is published, so a published version never names a file the server lacks.
    """
    result = check_xlsform(data, filename, attachments)
    if not result.ok:
        raise XLSFormRefused(result)
    if attachments and (files_root is not None or has_app_context()):
        store_media(
            files_root if files_root is not None else app_files_root(), attachments, result.definition
        )
    try:
        result.definition, result.created = publish(db, result.definition, "xlsform", user_id)
    except PublishError as exc:
        details = [f"{key}: {value}" for key, value in exc.errors.items()] if exc.errors else []
        result.errors = [str(exc), *details]
        result.definition = None
        raise XLSFormRefused(result) from exc
    return result
