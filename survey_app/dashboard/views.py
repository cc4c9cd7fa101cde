"""Turn a summary into charts with their tables: title, SVG, column heads and rows.

The template renders each chart the same way (a figure, then its table), so the two can
never show different numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .charts import bar_chart, heat_grid, line_chart


@dataclass
class Chart:
    key: str
    title: str
    svg: Markup
    head: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def charts(s: dict[str, Any]) -> list[Chart]:
    """Every chart of the dashboard, in reading order."""
    out: list[Chart] = []
    months = [m["month"] for m in s["over_time"]]
    noun = "Sessions" if s["unit"] == "sessions" else "Responses"
    out.append(
        Chart(
            "records-over-time",
            f"{noun} per month",
            bar_chart([(m["month"], m["records"]) for m in s["over_time"]], f"{noun} per month, as bars"),
            ["Month", noun],
            [[m["month"], m["records"]] for m in s["over_time"]],
        )
    )
    if s["totals"]["people"]:
        series = [
            (name.capitalize(), [m[name] for m in s["over_time"]]) for name in ("people", "women", "youth")
        ]
        out.append(
            Chart(
                "people-over-time",
                "People reached per month (women and youth on their own)",
                line_chart(months, series, "People reached, women and youth per month, as lines"),
                ["Month", "People", "Women", "Men", "Undisclosed", "Youth (15-35)"],
                [
                    [m["month"], m["people"], m["women"], m["men"], m["undisclosed"], m["youth"]]
                    for m in s["over_time"]
                ],
                "Youth are counted among the women, men and undisclosed, not beside them.",
            )
        )
    if s["by_area"]:
        out.append(
            Chart(
                "by-area",
                f"{noun} by area",
                bar_chart(
                    [(a["label"], a["records"]) for a in s["by_area"]], f"{noun} by area, as bars", "#009E73"
                ),
                ["Area", noun, "People", "Women", "Youth"],
                [[a["label"], a["records"], a["people"], a["women"], a["youth"]] for a in s["by_area"]],
            )
        )
    if any(t["type"] for t in s["by_type"]):
        out.append(
            Chart(
                "by-type",
                f"{noun} by session or group type",
                bar_chart([(t["label"], t["records"]) for t in s["by_type"]], "By type, as bars", "#CC79A7"),
                ["Type", noun, "People", "Women", "Youth"],
                [[t["label"], t["records"], t["people"], t["women"], t["youth"]] for t in s["by_type"]],
            )
        )
    if s["concerns"]:
        out.append(
            Chart(
                "concerns",
                "Concerns raised, most frequent first",
                bar_chart(
                    [(c["label"], c["records"]) for c in s["concerns"]],
                    "Concerns by frequency, as bars",
                    "#D55E00",
                ),
                ["Concern", f"{noun} raising it"],
                [[c["label"], c["records"]] for c in s["concerns"]],
            )
        )
        out.append(_concerns_by_area(s))
    if s["scores_over_time"]:
        names = [
            ("trust_local_gov", "Trust in local government"),
            ("trust_police", "Trust in police"),
            ("feel_safe", "Feel safe"),
            ("trust_city_act", "Trust the city to act"),
        ]
        present = [(k, t) for k, t in names if any(k in m for m in s["scores_over_time"])]
        series = [(t, [m.get(k) for m in s["scores_over_time"]]) for k, t in present]
        out.append(
            Chart(
                "scores",
                "Trust and safety over time (average, 1 = lowest, 5 = highest)",
                line_chart(
                    [m["month"] for m in s["scores_over_time"]],
                    series,
                    "Average trust and safety scores per month",
                    y_min=1,
                    y_max=5,
                ),
                ["Month"] + [t for _, t in present],
                [[m["month"]] + [m.get(k, "–") for k, _ in present] for m in s["scores_over_time"]],
            )
        )
    net = s["networks"]
    if net["mentions"]:
        out.append(
            Chart(
                "networks",
                f"Networks and resources mapped ({net['mentions']} mentions,"
                f" {net['could_partner']} could partner)",
                bar_chart(
                    [(t["label"], t["mentions"]) for t in net["by_type"]],
                    "Networks by type, as bars",
                    "#56B4E9",
                ),
                ["Type of organisation", "Mentions", "Could partner"],
                [[t["label"], t["mentions"], t["could_partner"]] for t in net["by_type"]],
            )
        )
        out.append(
            Chart(
                "networks-by-area",
                "Networks and resources by area",
                bar_chart(
                    [(a["label"], a["mentions"]) for a in net["by_area"]],
                    "Networks by area, as bars",
                    "#56B4E9",
                ),
                ["Area", "Mentions"],
                [[a["label"], a["mentions"]] for a in net["by_area"]],
            )
        )
        out.append(
            Chart(
                "organisations",
                "Most mentioned organisations",
                bar_chart(
                    [(o["name"], o["mentions"]) for o in net["top_organisations"]],
                    "Organisations, as bars",
                    "#E69F00",
                ),
                ["Organisation (as written)", "Mentions"],
                [[o["name"], o["mentions"]] for o in net["top_organisations"]],
            )
        )
    return out


def _concerns_by_area(s: dict[str, Any]) -> Chart:
    areas = list(dict.fromkeys(c["area_label"] for c in s["concerns_by_area"]))
    concerns = [c["label"] for c in s["concerns"]]
    index = {(c["area_label"], c["label"]): c["records"] for c in s["concerns_by_area"]}
    cells = {
        (r, k): index.get((area, concern), 0)
        for r, area in enumerate(areas)
        for k, concern in enumerate(concerns)
    }
    return Chart(
        "concerns-by-area",
        "Concerns by area",
        heat_grid(areas, concerns, cells, "Concerns by area, as a grid; darker means more"),
        ["Area"] + concerns,
        [[area] + [index.get((area, concern), 0) for concern in concerns] for area in areas],
    )
