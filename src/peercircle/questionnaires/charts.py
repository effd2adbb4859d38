"""Progress charts drawn on the server as SVG. Pure module (no Django import).

A chart is a line through a person's scores at their time points, over the
instrument's bands as soft shaded stripes. It is decoration for sighted
readers: the page puts a sentence and a table with the same numbers next to
it, and the SVG names itself (``<title>``, ``<desc>``). Colours are calm on
purpose: no band is drawn as a warning. See docs/questionnaires.md.

Every piece of text is escaped here, because time-point labels are written
by coordinators and band labels may come from loaded texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

#: The drawing's own units; the SVG scales to the width of its box.
WIDTH = 360
HEIGHT = 230
#: The right margin holds the bands' names, beside their stripes.
LEFT, RIGHT, TOP, BOTTOM = 34, 104, 26, 46
#: Room between the axis and the first and last points, for their labels.
PAD = 20
#: Soft fills for the bands, lightest first; no red, nothing that reads as alarm.
BAND_FILLS = ("#eef3f9", "#e3ebf5", "#d8e3f1", "#cedced", "#c4d4e9", "#bacde5")
LINE = "#1f5fa8"
INK = "#1d2433"
MUTED = "#4a5468"
#: Below this height (in drawing units) a band keeps its shade but not its name.
BAND_LABEL_MIN = 12
#: The most time-point labels under the axis before some are left out.
MAX_X_LABELS = 5


@dataclass(frozen=True)
class ChartPoint:
    label: str  # the time point, e.g. "Week 5"
    date: str  # as the page shows it, e.g. "9 Nov"
    value: float


def _number(value: float) -> str:
    """12.0 -> "12"; 17.43 -> "17.4"."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _short(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _shown_labels(count: int) -> set[int]:
    """Which time points get a label under the axis: all of them when they
    fit, otherwise the first, the last and evenly spaced ones between."""
    if count <= MAX_X_LABELS:
        return set(range(count))
    step = (count - 1) / (MAX_X_LABELS - 1)
    return {round(step * n) for n in range(MAX_X_LABELS)}


def progress_svg(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[ChartPoint],
    minimum: float,
    maximum: float,
    bands: Sequence[tuple[float, float, str]] = (),
    higher_is_better: bool = False,
) -> str:
    """SVG markup for one series. ``chart_id`` makes the ids inside unique on
    the page; ``bands`` are (low, high, label) with both ends included, as
    printed in the instrument's table."""
    if maximum <= minimum:
        raise ValueError("maximum must be above minimum")
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    span = maximum - minimum

    def y(value: float) -> float:
        clamped = min(max(value, minimum), maximum)
        return TOP + plot_h * (1 - (clamped - minimum) / span)

    def x(index: int) -> float:
        if len(points) == 1:
            return LEFT + plot_w / 2
        return LEFT + PAD + (plot_w - 2 * PAD) * index / (len(points) - 1)

    cid = escape(chart_id)
    parts = [
        f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    # Bands: each stretches from half a step below its low end to half a step
    # above its high end, so that whole-number bands meet without gaps.
    ordered = sorted(bands, key=lambda b: b[0])
    for number, (low, high, label) in enumerate(ordered):
        next_low = ordered[number + 1][0] if number + 1 < len(ordered) else None
        top_value = maximum if next_low is None else (high + next_low) / 2
        prev_high = ordered[number - 1][1] if number else None
        bottom_value = minimum if prev_high is None else (prev_high + low) / 2
        y_top, y_bottom = y(top_value), y(bottom_value)
        fill = BAND_FILLS[min(number, len(BAND_FILLS) - 1)]
        parts.append(
            f'<rect x="{LEFT}" y="{_fmt(y_top)}" width="{plot_w}" '
            f'height="{_fmt(y_bottom - y_top)}" fill="{fill}"/>'
        )
        if y_bottom - y_top >= BAND_LABEL_MIN:
            parts.append(
                f'<text x="{LEFT + plot_w + 5}" y="{_fmt((y_top + y_bottom) / 2 + 4)}" '
                f'font-size="10" fill="{MUTED}">{escape(_short(label, 17))}</text>'
            )
    # Axes: the range's two ends, and which way is better.
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{MUTED}"/>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        f'stroke="{MUTED}"/>'
    )
    for value in (minimum, maximum):
        parts.append(
            f'<text x="{LEFT - 5}" y="{_fmt(y(value) + 4)}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{_number(value)}</text>'
        )
    better = "Higher is better ↑" if higher_is_better else "Lower is better ↓"
    parts.append(f'<text x="{LEFT}" y="{TOP - 10}" font-size="11" fill="{MUTED}">{better}</text>')
    # The line and its points, each with its score above it.
    if len(points) > 1:
        path = " ".join(f"{_fmt(x(i))},{_fmt(y(p.value))}" for i, p in enumerate(points))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    shown = _shown_labels(len(points))
    for index, point in enumerate(points):
        px, py = x(index), y(point.value)
        parts.append(
            f'<circle cx="{_fmt(px)}" cy="{_fmt(py)}" r="4.5" fill="#ffffff" stroke="{LINE}" '
            'stroke-width="2.5"/>'
        )
        label_y = py - 9 if py - 9 > TOP + 2 else py + 18
        parts.append(
            f'<text x="{_fmt(px)}" y="{_fmt(label_y)}" text-anchor="middle" font-size="11" '
            f'font-weight="700" fill="{INK}">{_number(point.value)}</text>'
        )
        if index in shown:
            base = TOP + plot_h
            parts.append(
                f'<text x="{_fmt(px)}" y="{base + 16}" text-anchor="middle" font-size="11" '
                f'fill="{INK}">{escape(_short(point.label))}</text>'
                f'<text x="{_fmt(px)}" y="{base + 30}" text-anchor="middle" font-size="10" '
                f'fill="{MUTED}">{escape(point.date)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
