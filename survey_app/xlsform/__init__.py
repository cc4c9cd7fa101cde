"""XLSForm import: coordinators bring the forms they already build for ODK or KoboToolbox.

``import_xlsform(db, data, filename, user_id)`` reads the workbook with pyxform (which also
reports its own errors and warnings), converts it to our definition format
(``convert.py``, refusing anything unsupported by row and column, never half-importing),
and publishes it as a new version of the survey named by the form's ``form_id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlite_utils import Database

from ..surveys.registry import PublishError, publish
from .convert import Conversion, convert_workbook
from .limits import LimitExceeded, Limits, check_upload, run_bounded
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

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.errors


class XLSFormRefused(ValueError):
    """The form was not imported; ``result`` says why."""

    def __init__(self, result: ImportResult):
        super().__init__("; ".join(result.errors) or "The form was not imported.")
        self.result = result


def check_xlsform(data: bytes, filename: str | None = None, limits: Limits | None = None) -> ImportResult:
    """Read and convert a workbook without publishing it, within the upload bounds (limits.py)."""
    limits = limits or Limits.current()
    try:
        check_upload(data, filename, limits)
        return run_bounded(_check_unbounded, (data, filename), limits)
    except LimitExceeded as exc:
        return ImportResult(None, errors=[str(exc)])


def _check_unbounded(data: bytes, filename: str | None = None) -> ImportResult:
    try:
        book = read_workbook(data, filename)
    except UnreadableWorkbook as exc:
        return ImportResult(None, errors=[str(exc)])
    conversion: Conversion = convert_workbook(book)
    return ImportResult(
        conversion.definition,
        errors=list(dict.fromkeys(conversion.errors)),
        pyxform_warnings=book.pyxform_warnings,
        notes=conversion.notes,
    )


def import_xlsform(
    db: Database, data: bytes, filename: str | None = None, user_id: int | None = None
) -> ImportResult:
    """Check a workbook and publish it; raise :class:`XLSFormRefused` if it cannot be."""
    result = check_xlsform(data, filename)
    if not result.ok:
        raise XLSFormRefused(result)
    try:
        result.definition, result.created = publish(db, result.definition, "xlsform", user_id)
    except PublishError as exc:
        details = [f"{key}: {value}" for key, value in exc.errors.items()] if exc.errors else []
        result.errors = [str(exc), *details]
        result.definition = None
        raise XLSFormRefused(result) from exc
    return result
