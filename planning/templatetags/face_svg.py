"""The face diagram's markup, drawn without the template language's per-node cost.

The drawing, the muscle regions and their labels are the same on every diagram:
rendered once per process from ``planning/_face_static.html``. The points (up to
a hundred on a plan, charted session or touch-up) and the plan's point table are
built in Python; every value from data goes through ``escape``.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..face import HEIGHT, WIDTH
from .dose import side_name, units, volume_for

register = template.Library()

POINT_FILL = {"L": "#2563eb", "R": "#c2410c"}
OTHER_FILL = "#4b5563"


@cache
def _static() -> SafeString:
    return render_to_string("planning/_face_static.html")


@register.simple_tag
def face_static() -> SafeString:
    return _static()


@register.simple_tag
def face_points(points) -> SafeString:
    out = []
    for p in points:
        side = escape(p.side)
        left_half = p.x < 0.5
        anchor = ' text-anchor="end"' if left_half else ""
        out.append(
            f'\n    <g class="pt side-{side}" transform="translate({float(p.x) * WIDTH:.1f} '
            f'{float(p.y) * HEIGHT:.1f})" data-muscle="{escape(p.muscle.code)}" '
            f'data-side="{side}">\n'
            f'      <circle class="pt-dot" r="7" stroke="#fff" stroke-width="2.5" '
            f'fill="{POINT_FILL.get(p.side, OTHER_FILL)}"/>\n'
            f'      <text class="pt-units" font-size="13" font-weight="700" '
            f'x="{"-11" if left_half else "11"}" y="4"'
            f"{anchor}>{escape(units(p.units))}</text>\n"
            "    </g>"
        )
    if out:
        out.append("\n  ")
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - every data value above is escaped


@register.simple_tag
def plan_point_rows(points, plan) -> SafeString:
    """The rows of the plan editor's point table (number, muscle, side, units, volume, depth)."""
    out = []
    for n, p in enumerate(points, start=1):
        out.append(
            f"<tr><td>{n}</td><td>{escape(p.muscle.name)}</td>"
            f'<td class="side-{escape(p.side)}">{escape(side_name(p.side))}</td>'
            f"<td>{escape(units(p.units))} U</td><td>{escape(volume_for(p.units, plan))}</td>"
            f"<td>{escape(p.depth)}</td><td></td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308  # nosec B308 B703 - every data value above is escaped
