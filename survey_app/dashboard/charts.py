"""Small server-rendered SVG charts: no chart library, a few KB each, readable on a phone.

Each chart scales to its container (``viewBox``, width 100%), uses colours that stay
apart for common colour blindness and line styles as well as colour, and carries a short
accessible name. The numbers themselves are always in the HTML table the page puts
right after each chart; the SVG is the picture of that table, not a replacement for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "", "4 4")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _fmt(value: float) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img"'
        f' aria-label="{escape(label)}" preserveAspectRatio="xMinYMin meet"'
        f' xmlns="http://www.w3.org/2000/svg" {FONT}>' + "".join(body) + "</svg>"
    )


def bar_chart(items: Sequence[tuple[str, float]], label: str, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, value), longest value full width."""
    width, row, label_w = 360, 26, 130
    items = list(items)
    height = max(row * len(items) + 8, 30)
    top = max((v for _, v in items if v), default=0) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        bar = (width - label_w - 52) * (value or 0) / top
        text = escape(name if len(name) <= 22 else name[:21] + "…")
        body.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" fill="#1a1a1a">{text}</text>')
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" fill="{colour}" rx="2"/>'
        )
        body.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + 16}" fill="#1a1a1a">{_fmt(value)}</text>')
    if not items:
        body.append('<text x="8" y="20" fill="#555">No records match.</text>')
    return _svg(width, height, label, body)


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    label: str,
    y_min: float = 0,
    y_max: float | None = None,
) -> Markup:
    """Lines over time (one per series), a legend, and a few axis labels."""
    width, height, left, right, top, bottom = 360, 210, 50, 10, 28, 30
    values = [v for _, vs in series for v in vs if v is not None]
    high = y_max if y_max is not None else max(values, default=0) or 1
    span = (high - y_min) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * (v - y_min) / span

    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#999"/>']
    for tick in (y_min, y_min + span / 2, high):
        tick = round(tick) if span > 10 else tick
        body.append(
            f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#555">{_fmt(tick)}</text>'
        )
        body.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="#eee"/>'
        )
    step = max(1, (n + 4) // 5)
    for i in range(0, len(x_labels), step):
        body.append(
            f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="middle" fill="#555">'
            f"{escape(x_labels[i])}</text>"
        )
    for s, (name, vs) in enumerate(series):
        colour, dash = PALETTE[s % len(PALETTE)], DASHES[s % len(DASHES)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs) if v is not None)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        if points:
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dashes}/>'
            )
        lx = left + s * (plot_w / max(len(series), 1))
        body.append(
            f'<line x1="{lx:.1f}" y1="12" x2="{lx + 18:.1f}" y2="12" stroke="{colour}"'
            f' stroke-width="3"{dashes}/>'
        )
        body.append(f'<text x="{lx + 22:.1f}" y="16" fill="#1a1a1a">{escape(name)}</text>')
    if not values:
        body.append(f'<text x="{left + 8}" y="{top + 20}" fill="#555">No records match.</text>')
    return _svg(width, height, label, body)


def heat_grid(
    rows: Sequence[str], columns: Sequence[str], cells: dict[tuple[int, int], float], label: str
) -> Markup:
    """A grid of counts (rows x columns), darker for more; each cell shows its number."""
    cell_w, cell_h, label_w, head_h = 34, 24, 110, 86
    width = label_w + cell_w * max(len(columns), 1) + 4
    height = head_h + cell_h * max(len(rows), 1) + 4
    top = max(cells.values(), default=0) or 1
    body = []
    for c, name in enumerate(columns):
        cx = label_w + c * cell_w + cell_w / 2
        text = escape(name if len(name) <= 14 else name[:13] + "…")
        body.append(
            f'<text transform="translate({cx:.1f},{head_h - 6}) rotate(-60)" fill="#1a1a1a">{text}</text>'
        )
    for r, name in enumerate(rows):
        y = head_h + r * cell_h
        text = escape(name if len(name) <= 16 else name[:15] + "…")
        body.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" fill="#1a1a1a">{text}</text>')
        for c in range(len(columns)):
            value = cells.get((r, c), 0)
            share = value / top
            fill = f"rgba(0,114,178,{0.08 + 0.92 * share:.2f})" if value else "#f4f4f4"
            ink = "#fff" if share > 0.55 else "#1a1a1a"
            x = label_w + c * cell_w
            body.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" fill="{fill}"/>')
            if value:
                body.append(
                    f'<text x="{x + cell_w / 2 - 1:.1f}" y="{y + 16}" text-anchor="middle" fill="{ink}"'
                    f' font-size="11">{_fmt(value)}</text>'
                )
    return _svg(width, height, label, body)
