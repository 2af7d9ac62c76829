"""Units of toxin: the one home of the step, the maximum per point, the parser and
the way units are written.

Units are decimals in 0.5 U steps; one point holds more than 0 and at most
100 U. Units of different products are never added, compared or converted
(REFERENCE.md), so nothing here knows a product.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact

STEP = Decimal("0.5")
MAX_PER_POINT = Decimal("100")
STORED = Decimal("0.1")  # the columns keep one decimal place

NOT_A_NUMBER = "Enter the units as a number, e.g. 4 or 2.5."
NOT_POSITIVE = "Units must be more than 0."
NEGATIVE = "Units cannot be negative."
TOO_MANY = "At most 100 U per point."
OFF_STEP = "Units go in steps of 0.5 U (e.g. 2, 2.5, 3)."


class UnitsError(ValueError):
    """Units that cannot be given, with the message for the person who typed them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse(value, *, allow_zero: bool = False, most: Decimal | None = None) -> Decimal:
    """Units as typed ("4", "2,5", 2.5): more than 0 (or 0 when ``allow_zero``, for
    wasted units, which have no upper bound per point), at most 100 per point (or
    ``most`` in all, for a total such as a dose given elsewhere), in 0.5 U steps.
    Raises ``UnitsError``."""
    try:
        units = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise UnitsError(NOT_A_NUMBER) from None
    if not units.is_finite():
        raise UnitsError(NOT_A_NUMBER)
    if units < 0 or (units == 0 and not allow_zero):
        raise UnitsError(NEGATIVE if allow_zero else NOT_POSITIVE)
    if most is not None and units > most:
        raise UnitsError(f"At most {most} U in all.")
    if most is None and units > MAX_PER_POINT and not allow_zero:
        raise UnitsError(TOO_MANY)
    if units % STEP:
        raise UnitsError(OFF_STEP)
    return units.quantize(STORED)


def to_step(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``value`` on the 0.5 U grid (half up unless told), as stored."""
    return ((Decimal(value) / STEP).to_integral_value(rounding=rounding) * STEP).quantize(STORED)


def format_units(value) -> str:
    """Units as people write them: 4.0 → "4", 2.50 → "2.5"; "" for nothing."""
    if value is None or value == "":
        return ""
    if not value:  # 0 and -0 are equal keys but write "0" and "-0"
        return _formatted.__wrapped__(value)
    try:
        return _formatted(value)
    except TypeError:  # unhashable (a signaling NaN): formatted as is
        return _formatted.__wrapped__(value)


@lru_cache(maxsize=4096, typed=True)
def _formatted(value) -> str:
    # Kept per process (a plan page writes ~240 figures, few distinct): keyed by the
    # value and its type; equal values of one type write the same (the value is
    # normalized), so the key is all the result depends on. No patient data: a number.
    value = Decimal(value)
    return f"{value.quantize(Decimal('1')) if value == value.to_integral() else value.normalize()}"


def per_point_constraints(field: str, prefix: str) -> list:
    """The database's share of these rules for a units column of one point: more than 0,
    at most 100, in 0.5 U steps (twice the units is a whole number)."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__gt": 0}) & Q(**{f"{field}__lte": MAX_PER_POINT}),
            name=f"{prefix}_0_to_100",
        ),
        models.CheckConstraint(condition=on_step(field), name=f"{prefix}_half_steps"),
    ]


def on_step(field: str) -> Exact:
    """Database check that a units column is a multiple of 0.5 (twice it is whole)."""
    return Exact(F(field) * 2, Round(F(field) * 2))


def split_units(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` over ``parts`` points in 0.5 U steps, the remainder on the first points."""
    if parts <= 0:
        return []
    base = (Decimal(total) / parts / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP
    spare = int((Decimal(total) - base * parts) / STEP)
    return [(base + (STEP if n < spare else 0)).quantize(STORED) for n in range(parts)]


def split_by_site(total: Decimal, per_site: Decimal | None) -> list[Decimal]:
    """``total`` as points of at most ``per_site`` each (one point when no figure)."""
    if not total or total <= 0:
        return []
    if not per_site or per_site <= 0:
        return [Decimal(total).quantize(STORED)]
    parts = int((Decimal(total) / Decimal(per_site)).to_integral_value(rounding=ROUND_CEILING))
    return split_units(total, max(parts, 1))
