"""The review states a record can be in, and where a record came from.

Exports, the dashboard, the submissions page and review all filter and label by these, so
they live on the read side (``records/``), not in ``review/``, which only changes them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REVIEW_STATES = ("received", "approved", "has_issues", "rejected")
STATE_LABELS = {  # shown in the interface language (lazy: translated when displayed)
    "received": _l("Received"),
    "approved": _l("Approved"),
    "has_issues": _l("Has issues"),
    "rejected": _l("Rejected"),
}
SOURCES = ("facilitator", "link")
