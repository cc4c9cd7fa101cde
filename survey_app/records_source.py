"""The one place the registry, plans and public pages import record reading from.

They read records only through the coordinators' derived index (``submission_facts``,
kept up to date by ``catch_up``) and the shared filters and labels. If those move (to a
``records/`` package, say), this file is the only one to change.
"""

from __future__ import annotations

from .dashboard.summary import Labels
from .exports.columns import survey_questions
from .review.derived_index import catch_up, refresh_before_read
from .review.filters import Filters, parse_filters

# The answers the derived index reads as a record's concerns and its area (see
# migrations/m0004_review.py): their choice lists are the concern and area lists.
CONCERN_QUESTIONS = ("concerns", "biggest_concerns")
AREA_QUESTIONS = ("district",)

# Which records count as evidence: valid ones a coordinator has not rejected.
COUNTED = "f.validation = 'valid' AND f.review_state != 'rejected'"

__all__ = [
    "AREA_QUESTIONS",
    "CONCERN_QUESTIONS",
    "COUNTED",
    "Filters",
    "Labels",
    "catch_up",
    "parse_filters",
    "refresh_before_read",
    "survey_questions",
]
