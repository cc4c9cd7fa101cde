"""Reading back the JSON the server stored, safely for any page or file that shows it.

Stored records are kept exactly as sent, which can include what no page or file format
can carry: a lone surrogate (a phone's text cut inside an emoji, sent as ``"\\ud800"``
and stored with that escape). Decoded, it is a Python string that cannot be encoded as
UTF-8, so one such answer used to break the record page, the review queue and every
export of its survey. Readers decode through here: each lone surrogate is shown as
U+FFFD; the stored record is never changed. The derived index (the dashboard's facts,
the search index) is built from the same cleaned answers (``for_index``).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Any surrogate code point left in a decoded Python string is a lone one: json.loads joins
# a valid escaped pair ("\\ud83d\\ude00") into one character.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(value: Any) -> Any:
    """The value with every lone surrogate in its strings (and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    return value


def load(text: str | None, default: Any = None) -> Any:
    """Decode stored JSON for display; ``default`` if there is none or it is not JSON."""
    if text is None:
        return default
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return default
    # Only an escaped surrogate ("\ud800") can decode to one: skip the walk otherwise.
    return printable(value) if "\\ud" in text else value


def readable(value: Any, indent: int | None = None) -> str:
    """JSON text a page can show: readable UTF-8, or escapes where it cannot be."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, indent=indent)
    return text


def has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded value holds a string (or key) no UTF-8 text can carry."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def for_index(text: str) -> str:
    """Stored answers as the derived index reads them: lone surrogates as U+FFFD.

    SQLite's JSON functions turn an escaped lone surrogate into bytes that are not UTF-8;
    stored in the dashboard's facts or the search index, they failed every query that read
    them back. The index is derived data: it gets this cleaned copy, the record keeps what
    the phone sent.
    """
    if "\\ud" not in text:
        return text
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return json.dumps(printable(value), ensure_ascii=False)
