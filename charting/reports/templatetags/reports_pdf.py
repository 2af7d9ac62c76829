"""Template helpers for the PDF layouts."""

from __future__ import annotations

from decimal import Decimal

from django import template

from ..storage import static_file_url

register = template.Library()


@register.simple_tag
def pdf_static(path: str) -> str:
    """A ``file:`` URL for a static file, which the restricted fetcher serves."""
    return static_file_url(path)


@register.filter
def units(value) -> str:
    """12.0 -> "12", 2.5 -> "2.5"; empty for None."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    return f"{value.normalize():f}"


@register.filter
def signed_units(value) -> str:
    """A difference with its sign: +2, −1.5, 0."""
    if value is None:
        return ""
    value = Decimal(value)
    text = units(abs(value))
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return "0"
