"""Read an XLSForm workbook with pyxform, and let pyxform judge it first.

pyxform is the reference implementation of XLSForm: its reader gives us the rows of the
``survey``, ``choices`` and ``settings`` sheets exactly as ODK tools see them (empty rows
kept, so row numbers match the spreadsheet), and its full conversion to an XForm reports
the errors and warnings authors already know from ODK and KoboToolbox. Its parsed form
(``workbook_to_json``, the JSON it builds the XForm from) is what we convert.
"""

from __future__ import annotations

import copy
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
    pyxform_warnings: list[str]
    pyxform_errors: list[str]
    file_stem: str | None
    #: pyxform's parsed form (its JSON), None when pyxform could not parse it.
    form: dict | None = None
    external_choices: list[dict] = field(default_factory=list)


class UnreadableWorkbook(ValueError):
    """The file is not a workbook pyxform can read at all."""


def _sheet(rows, header) -> Sheet:
    headers = list(header[0]) if header else []
    clean_rows = [{k: v for k, v in row.items() if v is not None} for row in rows or []]
    return Sheet(headers=[str(h) for h in headers], rows=clean_rows)


def read_workbook(data: bytes, filename: str | None = None) -> Workbook:
    """Read the workbook's sheets and run pyxform's own conversion on it."""
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

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

    survey = _sheet(book.survey, book.survey_header)
    choices = _sheet(book.choices, book.choices_header)
    settings = _sheet(book.settings, book.settings_header)
    external = [dict(r) for r in (getattr(book, "external_choices", None) or []) if r]
    warnings: list[str] = []
    errors: list[str] = []
    form = None
    try:
        form = workbook_to_json(
            workbook_dict=book, fallback_form_name=book.fallback_form_name or stem, warnings=warnings
        )
        # The full XForm conversion: its errors are the ones ODK tools would report.
        create_survey_element_from_dict(copy.deepcopy(form)).to_xml(validate=False, warnings=warnings)
    except PyXFormError as exc:
        errors.append(str(exc).strip())
    except Exception as exc:  # pyxform's own bugs are reported, not raised
        log.info("pyxform failed on an XLSForm: %s", type(exc).__name__)
        errors.append(f"pyxform could not convert this form ({type(exc).__name__}: {exc}).")

    return Workbook(
        survey=survey,
        choices=choices,
        settings=settings,
        pyxform_warnings=[w.strip() for w in warnings if w and w.strip()],
        pyxform_errors=errors,
        file_stem=stem,
        form=None if errors else form,
        external_choices=external,
    )
