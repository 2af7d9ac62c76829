"""A small server-rendered SVG chart of one muscle and side across cycles.

Bars: units of each cycle (the treatment, with the touch-up stacked on top). Dots on
a 0–3 scale: the baseline grade (hollow) and the residual at review (filled).
Geometry only; ``templates/reviews/_cycle_chart.html`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 240, 96
TOP, BOTTOM, LEFT, RIGHT = 8, 18, 8, 8


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    y_original: float
    h_original: float
    y_touch_up: float
    h_touch_up: float
    label: str
    title: str
    baseline_y: float | None
    residual_y: float | None
    centre: float


@dataclass(frozen=True)
class CycleChart:
    width: int
    height: int
    bars: list[Bar]
    axis_y: float


def _grade_y(grade: int | None) -> float | None:
    if grade is None:
        return None
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span - span * grade / 3, 1)


def cycle_chart(series) -> CycleChart:
    """``series``: (cycle, cell or None) pairs, oldest first."""
    top_units = max((c.total for _, c in series if c is not None), default=Decimal("1")) or 1
    span = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(series), 1)
    bars = []
    for n, (cycle, cell) in enumerate(series):
        x = LEFT + n * slot + slot * 0.2
        width = slot * 0.6
        original = float(cell.original) if cell else 0.0
        touch = float(cell.touch_up) if cell else 0.0
        h_o = span * original / float(top_units)
        h_t = span * touch / float(top_units)
        base = TOP + span
        date = cycle.treatment.visit.date
        title = (
            f"{date:%b %-d, %Y}: {original:g} U"
            + (f" + {touch:g} U touch-up" if touch else "")
            + (f"; baseline {cell.baseline}" if cell and cell.baseline is not None else "")
            + (f"; residual {cell.residual}" if cell and cell.residual is not None else "")
            if cell
            else f"{date:%b %-d, %Y}: not treated"
        )
        bars.append(
            Bar(
                x=round(x, 1),
                width=round(width, 1),
                y_original=round(base - h_o, 1),
                h_original=round(h_o, 1),
                y_touch_up=round(base - h_o - h_t, 1),
                h_touch_up=round(h_t, 1),
                label=f"{date:%b} '{date:%y}",
                title=title,
                baseline_y=_grade_y(cell.baseline) if cell else None,
                residual_y=_grade_y(cell.residual) if cell else None,
                centre=round(x + width / 2, 1),
            )
        )
    return CycleChart(width=WIDTH, height=HEIGHT, bars=bars, axis_y=TOP + span)
