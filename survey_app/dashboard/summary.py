"""The numbers behind the dashboard, for one survey and the current filters.

Everything is counted in SQL over ``submission_facts`` (migration m0004): a narrow row per
record with its counts, scores, area, type and concerns already extracted, so no answer
JSON is parsed here. One scan groups the records by month, area and type (a thousand
groups or so) and Python rolls those up into every total, series and table; one more
query reads ``submission_networks``. At 100,000 records that is two passes, not ten.
The same dict is the JSON of ``GET /api/v1/surveys/<id>/summary`` and the source of
every chart and table on the page.
"""

from __future__ import annotations

from collections import defaultdict
from operator import add as add_
from typing import Any

from sqlite_utils import Database

from ..capture.i18n import translate
from ..exports.columns import survey_questions
from ..review.filters import REVIEW_STATES, Filters

PEOPLE = ("women", "men", "undisclosed")
COUNTS = ("people", "women", "men", "undisclosed", "youth")
SCORES = (
    ("trust_local_gov", "trust_local_gov"),
    ("trust_police", "trust_police"),
    ("feel_safe", "feel_safe"),
    ("trust_city_act", "trust_city"),
)
FLAGS = ("safeguarding_flags", "quarantined", "conflicts", "from_public_links")


def _number(value: Any) -> int | float:
    if value is None:
        return 0
    return int(value) if float(value).is_integer() else round(value, 2)


class Labels:
    """Translated labels of a survey's choices, by question name (all versions)."""

    def __init__(self, db: Database, survey_id: str, language: str):
        self.questions = survey_questions(db, survey_id)
        self.language = language

    def choices(self, question: str) -> list[str]:
        found = self.questions.get(question)
        if not found:
            return []
        q, definition = found
        names = [c["name"] for c in definition["choice_lists"].get(q.get("choices"), [])]
        return names + (["other"] if q.get("or_other") and "other" not in names else [])

    def choice(self, question: str, name: Any) -> str:
        if name is None:
            return "(not answered)"
        found = self.questions.get(question)
        if found:
            q, definition = found
            for choice in definition["choice_lists"].get(q.get("choices"), []):
                if choice["name"] == name:
                    return translate(choice.get("label"), self.language, definition["default_language"])
        return "Other" if name == "other" else str(name)

    def has(self, name: str) -> bool:
        return name in self.questions


GROUP_KEYS = (
    "month",
    "area",
    "kind",
    "review_state",
    "validation",
    "by_link",
    "safeguarding",
    "has_conflict",
)


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


# A count or score the phone cannot have sent (Infinity, a number of hundreds of digits,
# stored by SQLite as an infinite REAL) is left out of sums, as a blank answer is: one
# such record would otherwise turn every total into Infinity or, with its opposite, NULL.
PLAUSIBLE = 2**53 - 1


def _plausible(column: str) -> str:
    return f"CASE WHEN abs(f.{column}) <= {PLAUSIBLE} THEN f.{column} END"


def _group_sql(where: str, concern_columns: list[str]) -> str:
    # Grouped in the order of the facts_dashboard index, so SQLite streams the groups
    # straight off that index (no sort, no table reads).
    columns = [
        *(f"f.{key}" for key in GROUP_KEYS),
        "count(*)",
        *(f"total({_plausible(c)})" for c in COUNTS),
        *(f"total({_plausible(col)}), count({_plausible(col)})" for _, col in SCORES),
        *concern_columns,
    ]
    keys = ", ".join(f"f.{key}" for key in GROUP_KEYS)
    return f"SELECT {', '.join(columns)} FROM submission_facts f WHERE {where} GROUP BY {keys}"


def summarise(db: Database, filters: Filters, language: str) -> dict[str, Any]:
    """Every number the dashboard shows, as plain JSON-ready data."""
    where, params = filters.where("f")
    labels = Labels(db, filters.survey_id, language)
    area_q = "district" if labels.has("district") else "neighbourhood"
    type_q = "session_type" if labels.has("session_type") else "member_group"
    concern_q = "concerns" if labels.has("concerns") else "biggest_concerns"
    concern_names = labels.choices(concern_q)

    concern_columns, concern_params = _concern_columns(db, concern_names)
    sql = _group_sql(where, concern_columns)
    width = len(GROUP_KEYS)
    measures = ["records", *COUNTS] + [f"{n}_{p}" for n, _ in SCORES for p in ("sum", "n")] + list(FLAGS)
    summed = width + 6 + 2 * len(SCORES)
    # Sums per month, area, type and overall, as vectors in the order of ``measures``
    # (a few thousand groups come back; adding vectors keeps the roll-up cheap).
    months: dict[str, list] = {}
    areas: dict[Any, list] = {}
    kinds: dict[Any, list] = {}
    area_concerns: dict[Any, list] = {}
    states: dict[str, float] = defaultdict(float)
    totals: list = [0] * len(measures)

    def add(target: dict, key: Any, vector: list | tuple) -> None:
        current = target.get(key)
        target[key] = list(vector) if current is None else list(map(add_, current, vector))

    for row in db.execute(sql, concern_params + params):
        month, area, kind, state, validation, by_link, safeguarding, conflict = row[:width]
        records = row[width]
        vector = [
            *row[width:summed],
            records if safeguarding else 0,
            records if validation == "quarantined" else 0,
            records if conflict else 0,
            records if by_link else 0,
        ]
        states[state] += records
        totals = list(map(add_, totals, vector))
        add(months, month or "unknown", vector)
        add(areas, area, vector)
        add(kinds, kind, vector)
        add(area_concerns, area, row[summed:])

    def named(vector: list) -> dict[str, float]:
        return dict(zip(measures, vector, strict=True))

    totals_named = named(totals)
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
    totals = totals_named

    summary_totals = {name: _number(totals[name]) for name in ("records", *COUNTS, *FLAGS)}
    summary_totals["by_state"] = {s: _number(states[s]) for s in REVIEW_STATES}
    over_time, scores = [], []
    for month in sorted(months):
        m = months[month]
        over_time.append({"month": month, **{k: _number(m[k]) for k in ("records", *COUNTS)}})
        entry: dict[str, Any] = {"month": month}
        for name, _ in SCORES:
            if m[f"{name}_n"]:
                entry[name] = round(m[f"{name}_sum"] / m[f"{name}_n"], 2)
                entry[f"{name}_responses"] = int(m[f"{name}_n"])
        if len(entry) > 1:
            scores.append(entry)

    def grouped(groups: dict, question: str, key: str) -> list[dict[str, Any]]:
        ordered = sorted(groups.items(), key=lambda item: (-item[1]["records"], str(item[0])))
        return [
            {
                key: name,
                "label": labels.choice(question, name),
                "records": _number(g["records"]),
                "people": _number(g["people"]),
                "women": _number(g["women"]),
                "youth": _number(g["youth"]),
            }
            for name, g in ordered
        ]

    concerns = [
        {"concern": c, "label": labels.choice(concern_q, c), "records": _number(n)}
        for c, n in sorted(by_concern.items(), key=lambda item: (-item[1], item[0]))
    ]
    concerns_by_area = [
        {
            "area": a,
            "area_label": labels.choice(area_q, a),
            "concern": c,
            "label": labels.choice(concern_q, c),
            "records": _number(n),
        }
        for (a, c), n in sorted(by_area_concern.items(), key=lambda item: (str(item[0][0]), -item[1]))
    ]
    return {
        "ok": True,
        "survey": filters.survey_id,
        "filters": filters.describe(),
        "language": language,
        "unit": "sessions" if labels.has("session_date") else "responses",
        "totals": summary_totals,
        "over_time": over_time,
        "by_area": grouped(areas, area_q, "area"),
        "by_type": grouped(kinds, type_q, "type"),
        "concerns": concerns,
        "concerns_by_area": concerns_by_area,
        "scores_over_time": scores,
        "networks": _networks(db, filters, labels, area_q),
    }


def _networks(db: Database, filters: Filters, labels: Labels, area_q: str) -> dict[str, Any]:
    """The organisations and networks named: by type, by area, the most mentioned.

    With no filter but the survey, ``submission_networks`` answers alone from its
    covering index; otherwise it is read in that same order, keeping the entries whose
    record is among the filtered ones (a set built once, cheaper than a join per entry).
    """
    if filters.only_survey():
        sql = (
            "SELECT n.area, n.org_type, n.could_partner, n.org_key, count(*)"
            " FROM submission_networks n WHERE n.survey_id = ? GROUP BY 1, 2, 3, 4"
        )
        params: list[Any] = [filters.survey_id]
    else:
        where, params = filters.where("f")
        sql = (
            "SELECT n.area, n.org_type, n.could_partner, n.org_key, count(*)"
            " FROM submission_networks n WHERE n.survey_id = ?"
            f" AND n.fid IN (SELECT f.fid FROM submission_facts f WHERE {where}) GROUP BY 1, 2, 3, 4"
        )
        params = [filters.survey_id, *params]
    by_type: dict[Any, dict[str, Any]] = {}
    by_area: dict[Any, int] = defaultdict(int)
    names: dict[str, int] = defaultdict(int)
    mentions = partners = 0
    for area, kind, partner, name, count in db.execute(sql, params):
        entry = by_type.setdefault(
            kind, {"type": kind, "label": labels.choice("org_type", kind), "mentions": 0, "could_partner": 0}
        )
        entry["mentions"] += count
        by_area[area] += count
        mentions += count
        if name:
            names[name] += count
        if partner == "yes":
            entry["could_partner"] += count
            partners += count
    top = sorted(names.items(), key=lambda item: (-item[1], item[0]))[:15]
    return {
        "mentions": mentions,
        "could_partner": partners,
        "by_type": sorted(by_type.values(), key=lambda e: (-e["mentions"], str(e["type"]))),
        "by_area": [
            {"area": a, "label": labels.choice(area_q, a), "mentions": n}
            for a, n in sorted(by_area.items(), key=lambda item: (-item[1], str(item[0])))
        ],
        "top_organisations": [{"name": name, "mentions": n} for name, n in top],
    }
