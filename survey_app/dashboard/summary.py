"""The numbers behind the dashboard, for one survey and the current filters.

Everything is counted in SQL over the derived index (migration m0018): a narrow row per
record with the roles its definition's ``dashboard`` block names (date, areas, group
kind, people counts and scores in number slots, concerns, safeguarding) already read
out, so no answer JSON is parsed here. The records are counted per group of month,
area, kind, review state and the like (a few thousand groups), from the roll-up of
migration m0019 where it can answer and from ``submission_facts`` otherwise
(``groups.py``), and Python adds those up into every total, series and table; the
networks are counted the same way. Which question
a figure comes from, and its label in the chosen language, comes from the block and
the definition: nothing here names a question.

By default only accepted records are counted (valid, and not rejected); ``include=all``
counts every record, and the totals always say how many were left out.

The same dict is the JSON of ``GET /api/v1/surveys/<id>/summary`` and the source of
every chart and table on the page.
"""

from __future__ import annotations

from collections import defaultdict
from operator import add as add_
from typing import Any

from sqlite_utils import Database

from ..exports.columns import survey_questions
from ..languages.texts import translate
from ..records.derived_index import number_columns, pending_count
from ..records.filters import Filters
from ..records.review_states import REVIEW_STATES
from ..surveys.registry import dashboard_block
from . import groups
from .groups import GROUP_KEYS, Source, group_rows, network_rows
from .questions import question_summaries

FLAGS = ("safeguarding_flags", "quarantined", "conflicts", "from_public_links")
INCLUDE = ("accepted", "all")


def _number(value: Any) -> int | float:
    """A count or sum as shown: whole numbers as ints, others to 2 decimals.

    Rounded to 9 decimals first: a roll-up sum that had decimals added and taken out
    again may be off by 1e-15, and must show as the same number.
    """
    if value is None:
        return 0
    value = round(float(value), 9)
    return int(value) if value.is_integer() else round(value, 2)


class Labels:
    """Translated labels of a survey's questions and choices, by name (all versions)."""

    def __init__(self, db: Database, survey_id: str, language: str):
        self.questions = survey_questions(db, survey_id)
        self.language = language

    def choices(self, question: str | None) -> list[str]:
        found = self.questions.get(question) if question else None
        if not found:
            return []
        q, definition = found
        names = [c["name"] for c in definition["choice_lists"].get(q.get("choices"), []) if "name" in c]
        return names + (["other"] if q.get("or_other") and "other" not in names else [])

    def choice(self, question: str | None, name: Any) -> str:
        if name is None:
            return "(not answered)"
        found = self.questions.get(question) if question else None
        if found:
            q, definition = found
            for choice in definition["choice_lists"].get(q.get("choices"), []):
                if choice.get("name") == name:
                    return translate(choice.get("label"), self.language, definition["default_language"])
        return "Other" if name == "other" else str(name)

    def question(self, name: str | None) -> str:
        found = self.questions.get(name) if name else None
        if not found:
            return name or ""
        q, definition = found
        return translate(q.get("label"), self.language, definition["default_language"]) or name

    def has(self, name: str | None) -> bool:
        return bool(name) and name in self.questions


def _concern_columns(db: Database, names: list[str]) -> tuple[list[str], list[str]]:
    """Aggregates counting each concern: a bit test where the name has a bit, else ``instr``."""
    codes = dict(db.execute("SELECT name, code FROM facts_concern_codes WHERE code <= 62").fetchall())
    columns, params = [], []
    for name in names:
        if name in codes:
            columns.append(f"total(f.concern_bits & {1 << (codes[name] - 1)} > 0)")
        else:
            columns.append("total(instr(f.concerns, ?) > 0)")
            params.append(f'"{name}"')
    return columns, params


def summarise(
    db: Database,
    filters: Filters,
    language: str,
    include: str = "accepted",
    by: str | None = None,
    questions: bool | None = None,
) -> dict[str, Any]:
    """Every number the dashboard shows, as plain JSON-ready data.

    ``questions``: also summarise every question one by one (the default for a survey
    whose definition has no dashboard block); ``by``: break those down by ``month`` or by
    a select question. Every query reads one snapshot (``groups.snapshot``), so a chunk
    the indexer commits meanwhile never shows in one figure and not in another.
    """
    with groups.snapshot(db):
        return _summarise(db, filters, language, include, by, questions)


def _summarise(
    db: Database,
    filters: Filters,
    language: str,
    include: str,
    by: str | None,
    questions: bool | None,
) -> dict[str, Any]:
    block = dashboard_block(db, filters.survey_id)
    labels = Labels(db, filters.survey_id, language)
    slots = number_columns(db, filters.survey_id)
    parts = [n for n in block.parts if n in slots]
    among = [n for n in block.among if n in slots]
    scores = [n for n in block.scores if n in slots]
    counts = (["people"] if parts else []) + parts + among
    concern_names = labels.choices(block.concerns)
    concern_sql = _concern_columns(db, concern_names)
    src = groups.source(db, filters)  # the roll-up where it can answer (patched out in tests)
    width = len(GROUP_KEYS)
    measures = ["records", *counts, *(f"{s}_{p}" for s in scores for p in ("sum", "n")), *FLAGS]
    summed = width + 1 + len(counts) + 2 * len(scores)
    months: dict[str, list] = {}
    areas: dict[Any, list] = {}
    kinds: dict[Any, list] = {}
    area_concerns: dict[Any, list] = {}
    states: dict[str, float] = defaultdict(float)
    totals: list = [0] * len(measures)
    matched = quarantined = left_out = 0

    def add(target: dict, key: Any, vector: list | tuple) -> None:
        current = target.get(key)
        target[key] = list(vector) if current is None else list(map(add_, current, vector))

    for row in group_rows(db, src, counts, scores, slots, concern_names, concern_sql):
        month, area, kind, state, validation, by_link, safeguarding, conflict = row[:width]
        records = row[width]
        matched += records
        states[state] += records
        if validation == "quarantined":
            quarantined += records
        if include != "all" and (validation != "valid" or state == "rejected"):
            left_out += records
            continue
        vector = [
            *row[width:summed],
            records if safeguarding else 0,
            records if validation == "quarantined" else 0,
            records if conflict else 0,
            records if by_link else 0,
        ]
        totals = list(map(add_, totals, vector))
        add(months, month or "unknown", vector)
        add(areas, area, vector)
        add(kinds, kind, vector)
        add(area_concerns, area, row[summed:])

    def named(vector: list) -> dict[str, float]:
        return dict(zip(measures, vector, strict=True))

    by_concern: dict[str, float] = defaultdict(float)
    by_area_concern: dict[tuple, float] = {}
    for area, vector in area_concerns.items():
        for name, count in zip(concern_names, vector, strict=True):
            if count:
                by_concern[name] += count
                by_area_concern[(area, name)] = count
    months = {k: named(v) for k, v in months.items()}
    areas = {k: named(v) for k, v in areas.items()}
    kinds = {k: named(v) for k, v in kinds.items()}
    total = named(totals)

    summary_totals: dict[str, Any] = {name: _number(total[name]) for name in ("records", *counts, *FLAGS)}
    summary_totals.update(
        quarantined=_number(quarantined),
        matched=_number(matched),
        not_counted=_number(left_out),
        by_state={s: _number(states[s]) for s in REVIEW_STATES},
    )
    over_time, score_rows = [], []
    for month in sorted(months):
        m = months[month]
        over_time.append({"month": month, **{k: _number(m[k]) for k in ("records", *counts)}})
        entry: dict[str, Any] = {"month": month}
        for name in scores:
            if m[f"{name}_n"]:
                entry[name] = round(m[f"{name}_sum"] / m[f"{name}_n"], 2)
                entry[f"{name}_responses"] = int(m[f"{name}_n"])
        if len(entry) > 1:
            score_rows.append(entry)
    area_q = block.area[0] if block.area else None

    def grouped(groups: dict, question: str | None, key: str) -> list[dict[str, Any]]:
        ordered = sorted(groups.items(), key=lambda item: (-item[1]["records"], str(item[0])))
        return [
            {
                key: name,
                "label": labels.choice(question, name),
                "records": _number(g["records"]),
                **{c: _number(g[c]) for c in counts},
            }
            for name, g in ordered
        ]

    concerns = [
        {"concern": c, "label": labels.choice(block.concerns, c), "records": _number(n)}
        for c, n in sorted(by_concern.items(), key=lambda item: (-item[1], item[0]))
    ]
    concerns_by_area = [
        {
            "area": a,
            "area_label": labels.choice(area_q, a),
            "concern": c,
            "label": labels.choice(block.concerns, c),
            "records": _number(n),
        }
        for (a, c), n in sorted(by_area_concern.items(), key=lambda item: (str(item[0][0]), -item[1]))
    ]
    summary: dict[str, Any] = {
        "ok": True,
        "survey": filters.survey_id,
        "filters": filters.describe(),
        "language": language,
        "include": include,
        "unit": block.unit,
        "indexing": {"pending": pending_count(db)},
        "roles": _roles(block, labels, counts, scores),
        "totals": summary_totals,
        "over_time": over_time,
        "by_area": grouped(areas, area_q, "area") if block.area else [],
        "by_type": grouped(kinds, block.group_kind, "type") if block.group_kind else [],
        "concerns": concerns,
        "concerns_by_area": concerns_by_area if block.area else [],
        "scores_over_time": score_rows,
        "networks": _networks(db, src, labels, block, area_q, include),
    }
    if questions if questions is not None else not block.present:
        summary["questions"] = question_summaries(db, filters, labels, include, by)
        summary["by"] = by
    return summary


def _roles(block, labels: Labels, counts: list[str], scores: list[str]) -> dict[str, Any]:
    """Which question each figure comes from, with its label in the chosen language."""

    def one(name: str | None) -> dict[str, str] | None:
        return {"question": name, "label": labels.question(name)} if name else None

    return {
        "date": one(block.date),
        "area": [one(n) for n in block.area],
        "group_kind": one(block.group_kind),
        "people": [one(n) for n in counts if n != "people"],
        "parts": list(block.parts),
        "among": list(block.among),
        "scores": [one(n) for n in scores],
        "concerns": one(block.concerns),
        "safeguarding": one(block.safeguarding),
        "networks": one(block.networks.get("repeat")) if block.networks else None,
    }


def _networks(
    db: Database, src: Source, labels: Labels, block, area_q: str | None, include: str
) -> dict[str, Any]:
    """The organisations and networks named: by type, by area, the most mentioned
    (``groups.network_rows``: from the roll-up when it can answer)."""
    type_q = block.networks.get("type") if block.networks else None
    by_type: dict[Any, dict[str, Any]] = {}
    by_area: dict[Any, int] = defaultdict(int)
    names: dict[str, int] = defaultdict(int)
    mentions = partners = 0
    for area, kind, partner, name, count in network_rows(db, src, include):
        entry = by_type.setdefault(
            kind, {"type": kind, "label": labels.choice(type_q, kind), "mentions": 0, "partners": 0}
        )
        entry["mentions"] += count
        by_area[area] += count
        mentions += count
        if name:
            names[name] += count
        if partner:
            entry["partners"] += count
            partners += count
    top = sorted(names.items(), key=lambda item: (-item[1], item[0]))[:15]
    return {
        "mentions": mentions,
        "partners": partners,
        "by_type": sorted(by_type.values(), key=lambda e: (-e["mentions"], str(e["type"]))),
        "by_area": [
            {"area": a, "label": labels.choice(area_q, a), "mentions": n}
            for a, n in sorted(by_area.items(), key=lambda item: (-item[1], str(item[0])))
        ],
        "top_organisations": [{"name": name, "mentions": n} for name, n in top],
    }
