"""Turn a summary into charts with their tables: title, SVG, column heads and rows.

The template renders each chart the same way (a figure, then its table), so the two can
never show different numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
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
    """Every chart of the dashboard, in reading order (texts in the interface language)."""
    out: list[Chart] = []
    months = [m["month"] for m in s["over_time"]]
    noun = gettext("Sessions") if s["unit"] == "sessions" else gettext("Responses")
    month = gettext("Month")
    out.append(
        Chart(
            "records-over-time",
            gettext("%(noun)s per month", noun=noun),
            bar_chart(
                [(m["month"], m["records"]) for m in s["over_time"]],
                gettext("%(noun)s per month, as bars", noun=noun),
            ),
            [month, noun],
            [[m["month"], m["records"]] for m in s["over_time"]],
        )
    )
    if s["totals"]["people"]:
        names = {"people": gettext("People"), "women": gettext("Women"), "youth": gettext("Youth")}
        series = [(names[name], [m[name] for m in s["over_time"]]) for name in ("people", "women", "youth")]
        out.append(
            Chart(
                "people-over-time",
                gettext("People reached per month (women and youth on their own)"),
                line_chart(months, series, gettext("People reached, women and youth per month, as lines")),
                [
                    month,
                    gettext("People"),
                    gettext("Women"),
                    gettext("Men"),
                    gettext("Undisclosed"),
                    gettext("Youth (15-35)"),
                ],
                [
                    [m["month"], m["people"], m["women"], m["men"], m["undisclosed"], m["youth"]]
                    for m in s["over_time"]
                ],
                gettext("Youth are counted among the women, men and undisclosed, not beside them."),
            )
        )
    if s["by_area"]:
        out.append(
            Chart(
                "by-area",
                gettext("%(noun)s by area", noun=noun),
                bar_chart(
                    [(a["label"], a["records"]) for a in s["by_area"]],
                    gettext("%(noun)s by area, as bars", noun=noun),
                    "#009E73",
                ),
                [gettext("Area"), noun, gettext("People"), gettext("Women"), gettext("Youth")],
                [[a["label"], a["records"], a["people"], a["women"], a["youth"]] for a in s["by_area"]],
            )
        )
    if any(t["type"] for t in s["by_type"]):
        out.append(
            Chart(
                "by-type",
                gettext("%(noun)s by session or group type", noun=noun),
                bar_chart(
                    [(t["label"], t["records"]) for t in s["by_type"]], gettext("By type, as bars"), "#CC79A7"
                ),
                [gettext("Type"), noun, gettext("People"), gettext("Women"), gettext("Youth")],
                [[t["label"], t["records"], t["people"], t["women"], t["youth"]] for t in s["by_type"]],
            )
        )
    if s["concerns"]:
        out.append(
            Chart(
                "concerns",
                gettext("Concerns raised, most frequent first"),
                bar_chart(
                    [(c["label"], c["records"]) for c in s["concerns"]],
                    gettext("Concerns by frequency, as bars"),
                    "#D55E00",
                ),
                [gettext("Concern"), gettext("%(noun)s raising it", noun=noun)],
                [[c["label"], c["records"]] for c in s["concerns"]],
            )
        )
        out.append(_concerns_by_area(s))
    if s["scores_over_time"]:
        names = [
            ("trust_local_gov", gettext("Trust in local government")),
            ("trust_police", gettext("Trust in police")),
            ("feel_safe", gettext("Feel safe")),
            ("trust_city_act", gettext("Trust the city to act")),
        ]
        present = [(k, t) for k, t in names if any(k in m for m in s["scores_over_time"])]
        series = [(t, [m.get(k) for m in s["scores_over_time"]]) for k, t in present]
        out.append(
            Chart(
                "scores",
                gettext("Trust and safety over time (average, 1 = lowest, 5 = highest)"),
                line_chart(
                    [m["month"] for m in s["scores_over_time"]],
                    series,
                    gettext("Average trust and safety scores per month"),
                    y_min=1,
                    y_max=5,
                ),
                [month] + [t for _, t in present],
                [[m["month"]] + [m.get(k, "–") for k, _ in present] for m in s["scores_over_time"]],
            )
        )
    net = s["networks"]
    if net["mentions"]:
        out.append(
            Chart(
                "networks",
                gettext(
                    "Networks and resources mapped (%(mentions)s mentions, %(partners)s could partner)",
                    mentions=net["mentions"],
                    partners=net["could_partner"],
                ),
                bar_chart(
                    [(t["label"], t["mentions"]) for t in net["by_type"]],
                    gettext("Networks by type, as bars"),
                    "#56B4E9",
                ),
                [gettext("Type of organisation"), gettext("Mentions"), gettext("Could partner")],
                [[t["label"], t["mentions"], t["could_partner"]] for t in net["by_type"]],
            )
        )
        out.append(
            Chart(
                "networks-by-area",
                gettext("Networks and resources by area"),
                bar_chart(
                    [(a["label"], a["mentions"]) for a in net["by_area"]],
                    gettext("Networks by area, as bars"),
                    "#56B4E9",
                ),
                [gettext("Area"), gettext("Mentions")],
                [[a["label"], a["mentions"]] for a in net["by_area"]],
            )
        )
        out.append(
            Chart(
                "organisations",
                gettext("Most mentioned organisations"),
                bar_chart(
                    [(o["name"], o["mentions"]) for o in net["top_organisations"]],
                    gettext("Organisations, as bars"),
                    "#E69F00",
                ),
                [gettext("Organisation (as written)"), gettext("Mentions")],
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
        gettext("Concerns by area"),
        heat_grid(areas, concerns, cells, gettext("Concerns by area, as a grid; darker means more")),
        [gettext("Area")] + concerns,
        [[area] + [index.get((area, concern), 0) for concern in concerns] for area in areas],
    )
