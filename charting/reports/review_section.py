"""What the reviews app adds to the reports: the signed two-week review of a
treatment (residual grades against the baseline, GAIS, satisfaction, side
effects) and its touch-up (injections with lot), with the cycle's totals
(original + touch-up per muscle and side, from ``reviews.cycles.build_cells``).

The rows come prefetched with the treatment (``reports.treatments.with_rows``):
nothing here runs a query (but the audit event of a touch-up whose seal fails).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from charting import review_timing
from charting.reviews.cycles import build_cells
from charting.seal import SealState, as_signed, checked
from planning import sides
from planning.dosing import volume_ml


def related(obj, name: str):
    """A reverse one-to-one loaded by ``select_related``, or None when there is none."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


@dataclass
class FindingRow:
    """One muscle at the review: per side its finding (residual and baseline grade)."""

    muscle: object
    sides: dict = field(default_factory=dict)  # "L"/"R"/"C" -> Finding

    @property
    def left(self):
        return self.sides.get("L")

    @property
    def right(self):
        return self.sides.get("R")

    @property
    def centre(self):
        return self.sides.get("C")


def finding_rows(findings) -> list[FindingRow]:
    rows: dict[int, FindingRow] = {}
    for f in findings:
        rows.setdefault(f.muscle_id, FindingRow(muscle=f.muscle)).sides[f.side] = f
    return sorted(rows.values(), key=lambda r: (r.muscle.order, r.muscle.code))


def review_summary(treatment) -> dict | None:
    """The signed review of this (original) treatment as the PDFs show it, or None."""
    review = related(treatment, "review")
    if review is None or not review.is_signed:
        return None
    touch_up = review.touch_up if review.touch_up_id else None
    touch_ups = list(touch_up.injections.all()) if touch_up and touch_up.is_signed else []
    touch_up_seal_ok = None
    if touch_ups:  # its seal checked, its names as the touch-up showed them when signed
        touch_up_seal_ok = (
            checked(
                treatment=touch_up,
                injections=touch_ups,
                adverse_events=list(touch_up.adverse_events.all()),
                consents=list(touch_up.visit.consents.all()),
                where="report",
            )
            is not SealState.MISMATCH
        )
        as_signed(treatment=touch_up, injections=touch_ups)
    for injection in touch_ups:
        vial = injection.vial
        injection.volume = (
            volume_ml(injection.units, vial.vial_units, vial.diluent_ml) if vial else None
        )
    findings = list(review.findings.all())
    side_effects = list(review.side_effects.all())
    cells = build_cells(
        injections=list(treatment.injections.all()),
        touch_ups=touch_ups,
        findings=findings,
        side_effects=side_effects,
    )
    totals = sorted(
        cells.values(), key=lambda c: (c.muscle.order, c.muscle.code, sides.sort_key(c.side))
    )
    return {
        "review": review,
        # "Day 14 after treatment on 2 Dec"; an early review's reason; a touch-up's
        # timing reason (charting.review_timing)
        "day_text": review_timing.day_text(treatment=treatment, on=review.visit.date),
        "early_reason": review.early_reason,
        "timing_reason": touch_up.timing_reason if touch_ups else "",
        "findings": finding_rows(findings),
        "side_effects": side_effects,
        "touch_up": touch_up if touch_ups else None,
        "touch_ups": touch_ups,
        "touch_up_seal_ok": touch_up_seal_ok,
        "touch_up_units": sum((i.units for i in touch_ups), start=0),
        "cycle_totals": totals,
        "original_units": sum((c.original for c in totals), start=0),
        "cycle_units": sum((c.total for c in totals), start=0),
    }
