"""``{{ value|clock:"M j, Y H:i" }}``: ``{{ value|date:... }}`` kept once per distinct
day or time (``clinic.clock``), always on the current time zone's clock (it does not
follow ``{% localtime off %}``, which no page of ours uses)."""

from __future__ import annotations

from django import template

from clinic.clock import clock_text

register = template.Library()


@register.filter
def clock(value, fmt: str) -> str:
    return clock_text(value, fmt)
