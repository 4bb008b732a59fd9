"""The programme dashboard's own chart: each indicator's target beside its actual figure, as
pairs of horizontal bars. Inline SVG drawn on the server like accelerator.progress.charts
(whose bar and line charts the dashboard uses for the rest): pure Python, no script, no CDN;
the caller gives every word already translated and the reader's number marks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from accelerator.progress.charts import (
    AXIS,
    FONT,
    GRID,
    PALETTE,
    Number,
    NumberStyle,
    format_value,
    nice_ticks,
)

TARGET_COLOUR = "#adb5bd"
LABEL_CHARS = 36


@dataclass(frozen=True)
class Pair:
    label: str
    target: Number | None
    actual: Number
    met: bool | None


def _text(x: float, y: float, content: str, *, anchor: str = "start", css: str = "") -> str:
    extra = f' class="{css}"' if css else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#212529"{extra}>'
        f"{escape(content)}</text>"
    )


def target_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    pairs: list[Pair],
    target_word: str,
    actual_word: str,
    style: NumberStyle,
    width: int = 640,
) -> str:
    """Per indicator a grey target bar and a coloured actual bar (green when met, orange
    when short), each with its figure at its end."""
    label_w, right, top, row = 250, 56, 36, 40
    plot_w = width - label_w - right
    bottom = top + row * max(len(pairs), 1)
    height = bottom + 26
    highest = max([p.actual for p in pairs] + [p.target or 0 for p in pairs], default=0)
    ticks = nice_ticks(highest)
    ceiling = ticks[-1]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" {FONT}>',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        f'<rect x="{label_w}" y="6" width="12" height="12" fill="{TARGET_COLOUR}"/>',
        _text(label_w + 16, 16, target_word, css="legend"),
        f'<rect x="{label_w + 120}" y="6" width="12" height="12" fill="{PALETTE[2]}"/>',
        _text(label_w + 136, 16, actual_word, css="legend"),
    ]
    for tick in ticks:
        x = label_w + float(tick / ceiling) * plot_w
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{GRID}"/>')
        out.append(_text(x, bottom + 16, format_value(tick, style), anchor="middle", css="x-tick"))
    for i, pair in enumerate(pairs):
        y = top + row * i
        # About 6 units a character: 36 fill the label column; the full label is the title.
        label = (
            pair.label if len(pair.label) <= LABEL_CHARS else pair.label[: LABEL_CHARS - 1] + "…"
        )
        colour = PALETTE[2] if pair.met else PALETTE[1]
        shown = format_value(pair.actual, style)
        target = "" if pair.target is None else format_value(pair.target, style)
        out.append(
            f'<g class="pair" data-label="{escape(pair.label)}" data-actual="{escape(shown)}" '
            f'data-target="{escape(target)}"><title>{escape(pair.label)}</title>'
        )
        out.append(_text(label_w - 6, y + 22, label, anchor="end"))
        if pair.target is not None:
            length = float(Decimal(pair.target) / ceiling) * plot_w
            out.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="14" '
                f'fill="{TARGET_COLOUR}"><title>{escape(f"{target_word}: {target}")}</title></rect>'
                + _text(label_w + length + 4, y + 15, target, css="target")
            )
        length = float(Decimal(pair.actual) / ceiling) * plot_w
        out.append(
            f'<rect x="{label_w}" y="{y + 20}" width="{length:.1f}" height="14" fill="{colour}">'
            f"<title>{escape(f'{actual_word}: {shown}')}</title></rect>"
            + _text(label_w + length + 4, y + 31, shown, css="actual")
        )
        out.append("</g>")
    out.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{bottom}" stroke="{AXIS}"/>')
    out.append("</svg>")
    return "".join(out)
