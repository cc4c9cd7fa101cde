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
    search: bool = False  # a text question: the page links to the search instead of a chart


def charts(s: dict[str, Any], by_labels: dict[str, str] | None = None) -> list[Chart]:
    """Every chart of the dashboard, in reading order (texts in the interface language).

    Headings that name a question use its label from the definition (``roles``): the
    dashboard never names a question of its own.
    """
    out: list[Chart] = []
    roles = s["roles"]
    months = [m["month"] for m in s["over_time"]]
    noun = gettext("Sessions") if s["unit"] == "sessions" else gettext("Responses")
    month = gettext("Month")
    people = [(r["question"], r["label"]) for r in roles["people"]]
    counts = ([("people", gettext("People"))] if roles["parts"] else []) + people
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
    if counts and s["totals"].get(counts[0][0]):
        lines = [c for c in counts if c[0] == "people" or c[0] in roles["among"]][:3] or counts[:3]
        series = [(label, [m[key] for m in s["over_time"]]) for key, label in lines]
        out.append(
            Chart(
                "people-over-time",
                gettext("People reached per month"),
                line_chart(months, series, gettext("People reached per month, as lines")),
                [month] + [label for _, label in counts],
                [[m["month"]] + [m[key] for key, _ in counts] for m in s["over_time"]],
                gettext("Those counted among the people are not added to them.") if roles["among"] else "",
            )
        )
    heads = [noun] + [label for _, label in counts]
    if s["by_area"]:
        area = roles["area"][0]["label"] if roles["area"] else gettext("Area")
        out.append(
            Chart(
                "by-area",
                gettext("%(noun)s by %(what)s", noun=noun, what=area),
                bar_chart(
                    [(a["label"], a["records"]) for a in s["by_area"]],
                    gettext("%(noun)s by area, as bars", noun=noun),
                    "#009E73",
                ),
                [area, *heads],
                [[a["label"], a["records"]] + [a[k] for k, _ in counts] for a in s["by_area"]],
            )
        )
    if any(t["type"] for t in s["by_type"]):
        kind = roles["group_kind"]["label"] if roles["group_kind"] else gettext("Type")
        out.append(
            Chart(
                "by-type",
                gettext("%(noun)s by %(what)s", noun=noun, what=kind),
                bar_chart(
                    [(t["label"], t["records"]) for t in s["by_type"]], gettext("By type, as bars"), "#CC79A7"
                ),
                [kind, *heads],
                [[t["label"], t["records"]] + [t[k] for k, _ in counts] for t in s["by_type"]],
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
        if s["concerns_by_area"]:
            out.append(_concerns_by_area(s))
    if s["scores_over_time"]:
        present = [(r["question"], r["label"]) for r in roles["scores"]]
        present = [(k, t) for k, t in present if any(k in m for m in s["scores_over_time"])]
        series = [(t, [m.get(k) for m in s["scores_over_time"]]) for k, t in present]
        out.append(
            Chart(
                "scores",
                gettext("Scores over time (average per month)"),
                line_chart(
                    [m["month"] for m in s["scores_over_time"]],
                    series,
                    gettext("Average scores per month"),
                ),
                [month] + [t for _, t in present],
                [[m["month"]] + [m.get(k, "–") for k, _ in present] for m in s["scores_over_time"]],
            )
        )
    out.extend(_network_charts(s["networks"]))
    out.extend(question_charts(s.get("questions") or [], s.get("by"), by_labels or {}))
    return out


def _network_charts(net: dict[str, Any]) -> list[Chart]:
    if not net["mentions"]:
        return []
    return [
        Chart(
            "networks",
            gettext(
                "Networks and resources mapped (%(mentions)s mentions, %(partners)s could partner)",
                mentions=net["mentions"],
                partners=net["partners"],
            ),
            bar_chart(
                [(t["label"], t["mentions"]) for t in net["by_type"]],
                gettext("Networks by type, as bars"),
                "#56B4E9",
            ),
            [gettext("Type of organisation"), gettext("Mentions"), gettext("Could partner")],
            [[t["label"], t["mentions"], t["partners"]] for t in net["by_type"]],
        ),
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
        ),
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
        ),
    ]


def question_charts(questions: list[dict], by: str | None, by_labels: dict[str, str]) -> list[Chart]:
    """One chart and table per question of any form (see dashboard/questions.py)."""
    out = []
    groups = list(by_labels) if by else []
    group_heads = [by_labels[g] for g in groups]
    stats_head = [
        gettext("Answers"),
        gettext("Mean"),
        gettext("Median"),
        gettext("Lowest"),
        gettext("Highest"),
    ]
    for q in questions:
        key = f"q-{q['question']}"
        title = f"{q['label']} ({gettext('%(n)s answered', n=q['answered'])})"
        if "choices" in q:
            rows = [[c["label"], c["records"]] + [c["by"].get(g, 0) for g in groups] for c in q["choices"]]
            svg = bar_chart([(c["label"], c["records"]) for c in q["choices"]], q["label"])
            out.append(Chart(key, title, svg, [gettext("Answer"), gettext("Records"), *group_heads], rows))
        elif "stats" in q:
            st = q["stats"]
            rows = [
                [
                    gettext("All"),
                    st["n"],
                    _dash(st["mean"]),
                    _dash(st["median"]),
                    _dash(st["min"]),
                    _dash(st["max"]),
                ]
            ]
            for g in q.get("by", []):
                label = by_labels.get("" if g["group"] is None else str(g["group"]), g["group"] or "–")
                rows.append(
                    [label, g["n"], _dash(g["mean"]), _dash(g["median"]), _dash(g["min"]), _dash(g["max"])]
                )
            svg = bar_chart(
                [(str(r[0]), r[2] if isinstance(r[2], int | float) else 0) for r in rows], q["label"]
            )
            out.append(Chart(key, title, svg, [gettext("Group"), *stats_head], rows))
        elif "months" in q:
            rows = [[m["month"], m["records"]] + [m["by"].get(g, 0) for g in groups] for m in q["months"]]
            svg = bar_chart([(m["month"], m["records"]) for m in q["months"]], q["label"])
            out.append(Chart(key, title, svg, [gettext("Month"), gettext("Records"), *group_heads], rows))
        else:
            out.append(
                Chart(
                    key,
                    title,
                    Markup(""),
                    [gettext("Answered")],
                    [[q["answered"]]],
                    note="search",
                    search=True,
                )
            )
    return out


def _dash(value: Any) -> Any:
    return "–" if value is None else value


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
