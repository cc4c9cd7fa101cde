"""De-identified exports (``?deidentify=1``, ``survey-app export --deidentify``).

Following CommCare's de-identified exports, applied to the records before any format
writes them, so every format gets the same treatment:

* free-text answers (``text`` questions and the ``_other`` text of a select) are dropped,
  except the questions the coordinator chose to keep (``keep=name,name``);
* record ids, accounts, device ids and the ``deviceid``/``username`` answers become a
  salted pseudonym: the same value gives the same pseudonym within one export (so
  records of one facilitator still group together), and a new random salt per export
  means two exports cannot be joined on them;
* dates and times (answers of the date types, received/started/finished) keep only the
  month (``2026-03``);
* locations (geopoint answers) and public-link labels are dropped: a place or a group's
  name identifies as well as a name does.

The stored records are never changed; the audit entry says the export was
de-identified and which free-text questions were kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from ..errors import BadRequest
from .columns import META_COLUMNS, Column

TEXT_TYPES = {"text", "barcode"}
DATE_TYPES = {"date", "datetime", "time", "start", "end", "today"}
PSEUDONYM_TYPES = {"deviceid", "username", "phonenumber", "email", "simserial", "subscriberid"}
# Places, and files: a photo or a voice shows who it is, and a file's path names its record.
DROP_TYPES = {"geopoint", "geotrace", "geoshape", "start_geopoint", "image", "audio", "video", "file"}
META_PSEUDONYMS = {"_id", "_submitted_by"}
META_MONTHS = {"_received_at", "_started", "_finished"}
META_DROPPED = {"_link"}


class Deidentifier:
    """One export's de-identification: its salt, and what to do with each question."""

    def __init__(self, questions: dict[str, tuple[dict, dict]], keep: Iterable[str] = ()):
        self.salt = secrets.token_bytes(16)
        self.keep = set(keep)
        self.types = {name: q.get("type", "") for name, (q, _) in questions.items()}
        unknown = self.keep - {n for n, t in self.types.items() if t in TEXT_TYPES}
        if unknown:
            raise BadRequest(
                "keep names free-text questions only.",
                {"keep": [f"not a text question: {n}" for n in sorted(unknown)]},
            )
        self._cache: dict[str, str] = {}

    def pseudonym(self, value: Any) -> str:
        """``p-`` and 12 hex digits of an HMAC of the value under this export's salt."""
        if value in (None, ""):
            return ""
        text = str(value)
        found = self._cache.get(text)
        if found is None:
            digest = hmac.new(self.salt, text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
            found = self._cache[text] = "p-" + digest[:12]
        return found

    def dropped(self, name: str) -> bool:
        """Whether a question's answers leave the export altogether."""
        base = name[: -len("_other")] if name.endswith("_other") and name not in self.types else name
        kind = self.types.get(base, "")
        if name != base:  # the free text of "other"
            return base not in self.keep
        return (kind in TEXT_TYPES and name not in self.keep) or kind in DROP_TYPES

    def columns(self, columns: list[Column]) -> list[Column]:
        return [c for c in columns if not self.dropped(c.name)]

    def meta(self, cells: list[Any]) -> list[Any]:
        """The metadata cells (``META_COLUMNS`` order), de-identified."""
        out = []
        for name, value in zip(META_COLUMNS, cells, strict=True):
            if name in META_PSEUDONYMS and value not in ("", "public link"):
                value = self.pseudonym(value)
            elif name in META_MONTHS:
                value = month(value)
            elif name in META_DROPPED:
                value = "public link" if value else ""
            out.append(value)
        return out

    def answers(self, data: Any) -> Any:
        """The answers with free text dropped, ids pseudonymised, dates as months (a copy)."""
        if isinstance(data, list):
            return [self.answers(item) for item in data]
        if not isinstance(data, dict):
            return data
        out = {}
        for name, value in data.items():
            if self.dropped(name):
                continue
            kind = self.types.get(name, "")
            if kind in DATE_TYPES:
                value = month(value)
            elif kind in PSEUDONYM_TYPES:
                value = self.pseudonym(value)
            elif kind == "repeat" or isinstance(value, list | dict):
                value = self.answers(value)
            out[name] = value
        return out


def month(value: Any) -> Any:
    """``YYYY-MM`` of an ISO date or time; anything else is dropped (it may identify)."""
    if isinstance(value, str) and len(value) >= 7 and value[:4].isdigit() and value[4] == "-":
        return value[:7]
    return ""


def read_keep(args) -> list[str]:
    raw = (args.get("keep") or "").strip()
    return [name.strip() for name in raw.split(",") if name.strip()][:500]
