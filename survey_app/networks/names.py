"""How two spellings of an organisation's name are judged the same, and near-duplicates.

``key`` folds case, accents, punctuation and spacing, so "Likoni Youth Group" and
"likoni  youth group." are one entry at once; "likoni youth grp" is not (a coordinator
merges it, and the merged spelling then lands on the right entry). ``similar`` ranks
candidates for that merge with the standard library's ``difflib``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

MAX_NAME = 200
_NOT_WORD = re.compile(r"[^\w]+")


def key(name: str) -> str:
    """The normalised form of a name: what the registry looks names up by."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())[:MAX_NAME]


def clean(name: str) -> str:
    """A name as shown: trimmed, inner spacing collapsed, at most MAX_NAME characters."""
    return " ".join(name.split())[:MAX_NAME]


def similar(name: str, others: dict[int, str], limit: int = 5, cutoff: float = 0.6) -> list[int]:
    """Ids of ``others`` whose names look most like ``name`` (best first)."""
    target = key(name)
    scored = []
    for org_id, other in others.items():
        ratio = difflib.SequenceMatcher(None, target, key(other)).ratio()
        if ratio >= cutoff:
            scored.append((ratio, org_id))
    return [org_id for _, org_id in sorted(scored, reverse=True)[:limit]]
