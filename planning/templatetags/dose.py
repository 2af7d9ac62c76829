"""Template filters for plans: units without trailing zeros, points on the diagram."""

from __future__ import annotations

from decimal import Decimal

from django import template

from .. import sides
from ..units import format_units

register = template.Library()


@register.filter
def units(value) -> str:
    """4.0 → "4", 2.50 → "2.5" (``planning.units.format_units``)."""
    return format_units(value)


@register.filter
def volume_for(units, plan) -> str:
    """The volume of ``units`` from the plan's dilution, e.g. "0.10 mL"."""
    from ..dosing import volume_ml

    value = volume_ml(Decimal(units), plan.vial_units, plan.diluent_ml)
    return f"{value:.3f}".rstrip("0").ljust(4, "0") + " mL"


@register.filter
def side_name(side: str) -> str:
    """The side in words, e.g. "Patient's R" (``planning.sides``)."""
    return sides.name(side)


@register.simple_tag
def face_regions():
    """The diagram's muscle regions (planning.face.REGIONS)."""
    from ..face import REGIONS

    return REGIONS


@register.simple_tag
def brow_landmarks():
    """The brow's peak and tail per side (planning.face.BROW_LANDMARKS)."""
    from ..face import BROW_LANDMARKS

    return BROW_LANDMARKS
