"""Charts as inline SVG strings, drawn on the server: a line chart (KPI trends over months) and a
horizontal bar chart (sessions per pair).

Pure Python on purpose: no JavaScript library and no CDN (the CSP forbids both), nothing to
load in the browser, and the numbers can be tested by reading the SVG text back. The caller
gives every word already in the reader's language and the reader's number marks (a decimal
comma and dot thousands in Vietnamese); this module only places things and escapes text.
Each chart carries a <title> and a <desc> for screen readers; the page puts the same numbers
in a table below it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Final

# Distinguishable colours (Okabe–Ito), then the same with dashes for more series.
PALETTE: Final = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
AXIS: Final = "#6c757d"
GRID: Final = "#dee2e6"
FONT: Final = 'font-family="system-ui, sans-serif" font-size="12"'

Number = Decimal | int


@dataclass(frozen=True)
class NumberStyle:
    """How the reader writes numbers: Vietnamese "1.234,5", English "1,234.5"."""

    decimal_mark: str = ","
    group_mark: str = "."


@dataclass(frozen=True)
class Series:
    """One line: its name (a team) and a value per x label, None where there is none."""

    name: str
    values: list[Number | None]


def month_label(day: date) -> str:
    """mm/yyyy, as a month is written in Vietnam (and read everywhere)."""
    return f"{day.month:02d}/{day.year}"


def format_value(value: Number, style: NumberStyle, places: int = 2) -> str:
    """At most `places` decimals, trailing zeros dropped, thousands grouped."""
    quantum = Decimal(1).scaleb(-places)
    number = Decimal(value).quantize(quantum, ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    fraction = fraction.rstrip("0")
    text = style.group_mark.join(groups)
    return sign + text + (style.decimal_mark + fraction if fraction else "")


def nice_ticks(highest: Number, count: int = 4) -> list[Decimal]:
    """From 0 up to a round number at or above `highest`, in about `count` round steps
    (1, 2, 2.5 or 5 times a power of ten)."""
    top = Decimal(highest)
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = top / count
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(
        f * magnitude
        for f in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if f * magnitude >= raw
    )
    steps = math.ceil(top / step)
    return [(step * i).normalize() for i in range(steps + 1)]


def _text(x: float, y: float, content: str, *, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#212529"{extra}>'
        f"{escape(content)}</text>"
    )


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT}>',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: list[str],
    series: list[Series],
    y_label: str,
    style: NumberStyle,
    width: int = 640,
    height: int = 300,
) -> str:
    """One line per series over the x labels (months); gaps where a value is missing."""
    left, right, top, bottom = 78, 32, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    legend_rows = len(series) if len(series) > 1 else 0
    total_h = height + 18 * legend_rows
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values, default=0))
    ceiling = ticks[-1]

    def x_at(i: int) -> float:
        if len(x_labels) < 2:
            return left + plot_w / 2
        return left + plot_w * i / (len(x_labels) - 1)

    def y_at(value: Number) -> float:
        return top + plot_h - float(Decimal(value) / ceiling) * plot_h

    out = _open(chart_id, width, total_h, title, description)
    out.append(_text(8, 14, y_label, anchor="start", extra=' class="y-label"'))
    for tick in ticks:
        y = y_at(tick)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        out.append(
            _text(left - 6, y + 4, format_value(tick, style), anchor="end", extra=' class="y-tick"')
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    every = max(1, math.ceil(len(x_labels) / 12))  # at most a dozen labels fit under the axis
    for i, label in enumerate(x_labels):
        if i % every == 0:
            out.append(_text(x_at(i), top + plot_h + 18, label, extra=' class="x-tick"'))
    for n, one in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        dashes = ' stroke-dasharray="6 3"' if n >= len(PALETTE) else ""
        path, pen_down = [], False
        for i, value in enumerate(one.values):
            if value is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x_at(i):.1f} {y_at(value):.1f}")
            pen_down = True
        out.append(f'<g class="series" data-name="{escape(one.name)}">')
        if path:
            out.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"'
                f"{dashes}/>"
            )
        for i, value in enumerate(one.values):
            if value is None or i >= len(x_labels):
                continue
            shown = format_value(value, style)
            out.append(
                f'<circle cx="{x_at(i):.1f}" cy="{y_at(value):.1f}" r="3.5" fill="{colour}" '
                f'data-x="{escape(x_labels[i])}" data-value="{escape(shown)}">'
                f"<title>{escape(f'{one.name} · {x_labels[i]}: {shown}')}</title></circle>"
            )
        out.append("</g>")
        if legend_rows:
            y = height + 18 * n + 4
            out.append(
                f'<rect x="{left}" y="{y:.1f}" width="12" height="12" fill="{colour}"/>'
                + _text(left + 18, y + 10, one.name, anchor="start", extra=' class="legend"')
            )
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    values: list[Number],
    x_label: str,
    style: NumberStyle,
    width: int = 640,
) -> str:
    """Horizontal bars (labels such as "mentor · team" are long), the value at each bar's end."""
    label_w, right, top, row = 230, 48, 30, 24
    plot_w = width - label_w - right
    height = top + row * max(len(labels), 1) + 24
    ticks = nice_ticks(max(values, default=0))
    ceiling = ticks[-1]
    out = _open(chart_id, width, height, title, description)
    bottom = top + row * max(len(labels), 1)
    for tick in ticks:
        x = label_w + float(tick / ceiling) * plot_w
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        out.append(_text(x, bottom + 16, format_value(tick, style), extra=' class="x-tick"'))
    out.append(_text(label_w, 16, x_label, anchor="start", extra=' class="x-label"'))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + row * i
        length = float(Decimal(value) / ceiling) * plot_w
        shown = format_value(value, style)
        out.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{escape(shown)}">'
            + _text(label_w - 6, y + 16, _shorten(label, 36), anchor="end")
            + f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(f"{label}: {shown}")}</title></rect>'
            + _text(label_w + length + 4, y + 16, shown, anchor="start", extra=' class="value"')
            + "</g>"
        )
    out.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{bottom}" stroke="{AXIS}"/>')
    out.append("</svg>")
    return "".join(out)
