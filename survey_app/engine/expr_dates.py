"""ODK's dates for the expression evaluators: local midnight, instants, formatting.

Why a module of its own: dates are where ODK departs most from plain XPath, and where the
phone and the server disagree most easily. The rules (those of ODK Collect and Enketo):

* A date-only value (``2026-11-27``) is midnight in the local time zone; a datetime without
  an offset is local too; one with ``Z`` or ``+03:00`` is that instant. As a number, a date
  is days since 1970-01-01T00:00Z (so ``'2018-01-01' + 1`` is 17533.29 at UTC-07:00).
* ``date()``/``date-time()``/``now()`` return a date value (:class:`XDate`): its string is
  ``YYYY-MM-DD`` when it falls on local midnight, else a local ISO datetime with
  milliseconds and offset; an invalid one is ``Invalid Date``, false and NaN.
* Two texts that both read as dates compare as instants (a date equals the datetime of its
  local midnight), as ODK compares date and dateTime values.

The local zone is ``tz_offset`` (minutes east of UTC) of the evaluation context: the phone's
own offset there, the record's on the server. ``static/js/expressions.js`` is the twin.
"""

from __future__ import annotations

import math
import re
from datetime import date

__all__ = [
    "XDate",
    "date_to_days",
    "decimal_time",
    "format_date",
    "is_date_text",
    "to_xdate",
]

NAN = math.nan
_EPOCH = date(1970, 1, 1).toordinal()
DATE_RE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
TIME_RE = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?(Z|[+-][0-9]{2}:?[0-9]{2})?")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


class XDate:
    """An instant, as ``date()`` and friends return it: days since the epoch (UTC), and the
    time zone it is shown in."""

    __slots__ = ("days", "tz")

    def __init__(self, days: float, tz: int):
        self.days = days
        self.tz = tz

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XDate) and self.days == other.days

    def __hash__(self) -> int:
        return hash(self.days)

    def __repr__(self) -> str:
        return f"XDate({self.text()!r})"

    def text(self) -> str:
        """``YYYY-MM-DD`` at local midnight, else ``YYYY-MM-DDTHH:MM:SS.mmm+HH:MM``."""
        if not math.isfinite(self.days):
            return "Invalid Date"
        y, mo, d, h, mi, s, ms = _civil(self.days, self.tz)
        if (h, mi, s, ms) == (0, 0, 0, 0):
            return f"{y:04d}-{mo:02d}-{d:02d}"
        sign = "+" if self.tz >= 0 else "-"
        off = abs(self.tz)
        return (
            f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.{ms:03d}{sign}{off // 60:02d}:{off % 60:02d}"
        )


def _civil(days: float, tz: int) -> tuple[int, int, int, int, int, int, int]:
    """Local calendar fields of an instant (milliseconds rounded as JavaScript's Date)."""
    total_ms = round(days * 86400000) + tz * 60000
    day, ms_of_day = divmod(total_ms, 86400000)
    civil = date.fromordinal(_EPOCH + day)
    h, rest = divmod(ms_of_day, 3600000)
    mi, rest = divmod(rest, 60000)
    s, ms = divmod(rest, 1000)
    return civil.year, civil.month, civil.day, h, mi, s, ms


def _offset_minutes(tz: str) -> int | None:
    if tz == "Z":
        return 0
    digits = tz[1:].replace(":", "")
    oh, om = int(digits[:2]), int(digits[2:])
    if oh > 23 or om > 59:
        return None
    return (oh * 60 + om) * (-1 if tz[0] == "-" else 1)


def date_to_days(text: str, tz: int) -> float:
    """An ISO date or datetime -> days since the epoch; date-only and offset-less are local."""
    m = DATE_RE.fullmatch(text)
    if m is None:
        return NAN
    y, mo, d, hh, mi, ss, zone = m.groups()
    try:
        days = date(int(y), int(mo), int(d)).toordinal() - _EPOCH
    except ValueError:
        return NAN
    if hh is None:
        return days - tz / 1440
    h, minute, sec = int(hh), int(mi), float(ss or 0)
    if h > 23 or minute > 59 or sec >= 60:
        return NAN
    offset = tz if zone is None else _offset_minutes(zone)
    if offset is None:
        return NAN
    return days + (h * 3600 + minute * 60 + sec) / 86400 - offset / 1440


def is_date_text(text: str) -> bool:
    return DATE_RE.fullmatch(text) is not None


def to_xdate(value, number_of, tz: int) -> XDate:
    """``date()``: a date value from a date, a date text or a number of days."""
    if isinstance(value, XDate):
        return value
    if isinstance(value, bool):
        return XDate(NAN, tz)
    if isinstance(value, int | float):
        return XDate(float(value), tz)
    text = str(value).strip()
    if DATE_RE.fullmatch(text):
        return XDate(date_to_days(text, tz), tz)
    return XDate(number_of(text), tz)


def decimal_time(text: str, tz: int) -> float:
    """``decimal-time('06:00:00.000-07:00')``: the fraction of the local day."""
    m = TIME_RE.fullmatch(text.strip())
    if m is None:
        return NAN
    hh, mi, ss, zone = m.groups()
    h, minute, sec = int(hh), int(mi), float(ss or 0)
    if h > 23 or minute > 59 or sec >= 60:
        return NAN
    offset = tz if zone is None else _offset_minutes(zone)
    if offset is None:
        return NAN
    seconds = h * 3600 + minute * 60 + sec - (offset - tz) * 60
    return (seconds % 86400) / 86400


def format_date(value: XDate, pattern: str) -> str:
    """``format-date(d, '%Y-%m-%d')`` with ODK's directives; '' for an invalid date."""
    if not math.isfinite(value.days):
        return ""
    y, mo, d, h, mi, s, ms = _civil(value.days, value.tz)
    weekday = date(y, mo, d).toordinal() % 7  # 0 = Sunday
    fields = {
        "Y": f"{y:04d}",
        "y": f"{y % 100:02d}",
        "m": f"{mo:02d}",
        "n": str(mo),
        "b": MONTHS[mo - 1],
        "d": f"{d:02d}",
        "e": str(d),
        "H": f"{h:02d}",
        "h": str(h),
        "M": f"{mi:02d}",
        "S": f"{s:02d}",
        "3": f"{ms:03d}",
        "a": WEEKDAYS[weekday],
    }
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern):
            key = pattern[i + 1]
            out.append(fields.get(key, key))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)
