"""Dose arithmetic and dose checks for a treatment plan (REFERENCE.md).

One product per plan: units of different products are never added together or
compared, so every function here works on the points of one plan (or one
charted treatment) at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .choices import Side

ZERO = Decimal("0")


@dataclass(frozen=True)
class MuscleTotals:
    """Units of one muscle per side; ``difference`` is left − right,
    ``percent`` that difference as a share of the larger side (None when unpaired
    or both sides are zero)."""

    muscle: object  # planning.models.Muscle (or anything with .code, .name, .paired)
    left: Decimal
    right: Decimal
    centre: Decimal
    total: Decimal
    difference: Decimal
    percent: Decimal | None
    points: int


def totals_by_muscle_side(points: Iterable) -> list[MuscleTotals]:
    """Per muscle, the units on the left, right and midline, in muscle order.

    ``points``: objects with ``.muscle`` (with ``.code``, ``.order``),
    ``.side`` and ``.units`` — plan points, template points or charted injections.
    """
    by_muscle: dict[str, dict] = {}
    for point in points:
        muscle = point.muscle
        row = by_muscle.setdefault(
            muscle.code, {"muscle": muscle, "L": ZERO, "R": ZERO, "C": ZERO, "n": 0}
        )
        row[point.side] += Decimal(point.units)
        row["n"] += 1
    rows = sorted(
        by_muscle.values(), key=lambda r: (getattr(r["muscle"], "order", 0), r["muscle"].code)
    )
    result = []
    for r in rows:
        left, right, centre = r[Side.LEFT], r[Side.RIGHT], r[Side.CENTER]
        difference = left - right
        larger = max(left, right)
        percent = (
            (abs(difference) * 100 / larger).quantize(Decimal("1"), ROUND_HALF_UP)
            if getattr(r["muscle"], "paired", True) and larger > 0
            else None
        )
        result.append(
            MuscleTotals(
                muscle=r["muscle"],
                left=left,
                right=right,
                centre=centre,
                total=left + right + centre,
                difference=difference,
                percent=percent,
                points=r["n"],
            )
        )
    return result


def volume_ml(units: Decimal, vial_units: int, diluent_ml: Decimal) -> Decimal:
    """Volume to inject for ``units``: units ÷ concentration, where concentration
    = vial units ÷ diluent mL (e.g. 4 U at 100 U + 2.5 mL → 0.100 mL), to 0.001 mL."""
    if vial_units <= 0 or Decimal(diluent_ml) <= 0:
        raise ValueError("Vial units and diluent must be positive.")
    volume = Decimal(units) * Decimal(diluent_ml) / Decimal(vial_units)
    return volume.quantize(Decimal("0.001"), ROUND_HALF_UP)
