"""Next cycle's suggestion as the plan screen's starting dose: charting's answer to
``planning.treatment_history.suggested_doses``."""

from __future__ import annotations

from planning.treatment_history import SuggestedDose
from planning.units import split_units

from .cycles import cycles_by_product


def suggested_doses(*, patient, product) -> list[SuggestedDose]:
    """From the patient's cycles of this product (reviews.cycles, five queries)."""
    doses = []
    # Only this product's cycles are read: a patient's other products are never
    # mixed into a dose (and skipping them keeps the plan page's cost flat).
    for product_history in cycles_by_product(patient=patient, product=product, charts=False):
        latest = product_history.cycles[-1].treatment
        where: dict[tuple[str, str], list] = {}
        for i in latest.injections.all():  # prefetched by reviews.cycles
            if i.x is not None and i.y is not None:
                where.setdefault((i.muscle.code, i.side), []).append((i.x, i.y))
        for row in product_history.rows:
            if row.suggestion is None:
                continue
            # None suggested (a side effect at the smallest dose): no points to place.
            spots = where.get((row.muscle.code, row.side), []) if row.suggestion.units else []
            units = split_units(row.suggestion.units, len(spots))
            doses.append(
                SuggestedDose(
                    muscle_code=row.muscle.code,
                    side=row.side,
                    units=row.suggestion.units,
                    reason=row.suggestion.reason,
                    points=[(x, y, u) for (x, y), u in zip(spots, units, strict=True)],
                )
            )
    return doses
