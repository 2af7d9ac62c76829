"""Units per muscle and side of a set of points, with their sums, as the reports print them."""

from __future__ import annotations

from decimal import Decimal

from planning.dosing import totals_by_muscle_side


def totals_of(points) -> dict:
    """Per muscle and side (``planning.dosing``), and the sums over all muscles."""
    totals = totals_by_muscle_side(points)
    left = sum((t.left for t in totals), Decimal(0))
    right = sum((t.right for t in totals), Decimal(0))
    centre = sum((t.centre for t in totals), Decimal(0))
    grand = {
        "left": left,
        "right": right,
        "centre": centre,
        "total": left + right + centre,
        "difference": left - right,
    }
    return {"totals": totals, "grand": grand}
