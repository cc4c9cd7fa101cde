"""The one place the registry, plans and public pages import record reading from.

They read records only through the coordinators' derived index (``submission_facts``,
kept up to date by ``catch_up``) and the shared filters and labels. Which question of a
survey is its area, its concerns, its people counts or its scores is said by the
definition's ``dashboard`` block (``surveys/dashboard_block.py``); which facts column
holds a number, by ``number_columns``. No question name is written here.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..dashboard.summary import Labels
from ..exports.columns import survey_questions
from ..surveys.registry import dashboard_block
from .derived_index import catch_up, number_columns, refresh_before_read
from .filters import Filters, parse_filters

# Which records count as evidence: valid ones a coordinator has not rejected.
COUNTED = "f.validation = 'valid' AND f.review_state != 'rejected'"


def concern_question(db: Database, survey_id: str) -> str | None:
    """The question the derived index reads as a record's concerns (its block's)."""
    return dashboard_block(db, survey_id).concerns


def area_question(db: Database, survey_id: str) -> str | None:
    """The question the derived index reads as a record's area (the block's first level)."""
    area = dashboard_block(db, survey_id).area
    return area[0] if area else None


__all__ = [
    "COUNTED",
    "Filters",
    "Labels",
    "area_question",
    "catch_up",
    "concern_question",
    "dashboard_block",
    "number_columns",
    "parse_filters",
    "refresh_before_read",
    "survey_questions",
]
