"""Read an XLSForm workbook with pyxform, and let pyxform judge it first.

pyxform is the reference implementation of XLSForm: its reader gives us the rows of the
``survey``, ``choices`` and ``settings`` sheets exactly as ODK tools see them (empty rows
kept, so row numbers match the spreadsheet), and its full conversion to an XForm reports
the errors and warnings authors already know from ODK and KoboToolbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath

log = logging.getLogger(__name__)

#: File types pyxform can read; the upload page asks for .xlsx.
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".md", ".csv")


@dataclass
class Sheet:
    """One sheet: its column headers in order, and its rows keyed by header."""

    headers: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Workbook:
    """The sheets we read, plus what pyxform itself said about the form."""

    survey: Sheet
    choices: Sheet
    settings: Sheet
    other_sheets: list[str]
    pyxform_warnings: list[str]
    pyxform_errors: list[str]
    file_stem: str | None


class UnreadableWorkbook(ValueError):
    """The file is not a workbook pyxform can read at all."""


def _sheet(rows, header) -> Sheet:
    headers = list(header[0]) if header else []
    clean_rows = [{k: v for k, v in row.items() if v is not None} for row in rows or []]
    return Sheet(headers=[str(h) for h in headers], rows=clean_rows)


def read_workbook(data: bytes, filename: str | None = None) -> Workbook:
    """Read the workbook's sheets and run pyxform's own conversion on it."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform
    from pyxform.xls2xform import convert

    suffix = PurePath(filename).suffix.lower() if filename else ""
    file_type = suffix if suffix in SUFFIXES else None
    stem = PurePath(filename).stem if filename else None
    try:
        book = get_xlsform(BytesIO(data), file_type=file_type)
    except PyXFormError as exc:
        raise UnreadableWorkbook(f"This file could not be read as an XLSForm: {exc}") from exc
    except Exception as exc:  # a damaged file must never become a server error
        log.info("unreadable XLSForm upload: %s", type(exc).__name__)
        raise UnreadableWorkbook("This file could not be read as an XLSForm workbook.") from exc

    warnings: list[str] = []
    errors: list[str] = []
    try:
        convert(BytesIO(data), warnings=warnings, file_type=file_type, form_name=None)
    except PyXFormError as exc:
        errors.append(str(exc).strip())
    except Exception as exc:  # pyxform's own bugs are reported, not raised
        log.info("pyxform failed on an XLSForm: %s", type(exc).__name__)
        errors.append(f"pyxform could not convert this form ({type(exc).__name__}: {exc}).")

    known = {"survey", "choices", "settings"}
    return Workbook(
        survey=_sheet(book.survey, book.survey_header),
        choices=_sheet(book.choices, book.choices_header),
        settings=_sheet(book.settings, book.settings_header),
        other_sheets=[
            name
            for name in book.sheet_names
            if name.lower() not in known
            and name.lower() in {"external_choices", "entities", "osm"}
            and _has_rows(book, name.lower())
        ],
        pyxform_warnings=[w.strip() for w in warnings if w and w.strip()],
        pyxform_errors=errors,
        file_stem=stem,
    )


def _has_rows(book, name: str) -> bool:
    return any(row for row in (getattr(book, name, None) or []))
