"""Dose arithmetic and dose checks for a treatment plan (REFERENCE.md).

One product per plan: units of different products are never added together or
compared, so every function here works on the points of one plan (or one
charted treatment) at a time.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .choices import DoseBasis, Side, Source
from .units import format_units

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


def vials_needed(total_units: Decimal, vial_units: int) -> int:
    """Whole vials of ``vial_units`` needed for ``total_units`` (0 for an empty plan)."""
    if total_units <= 0:
        return 0
    return int(math.ceil(Decimal(total_units) / Decimal(vial_units)))


# --- dose checks -------------------------------------------------------------------------

INFO, WARN, BLOCK = "info", "warn", "block"
LEVEL_ORDER = {BLOCK: 0, WARN: 1, INFO: 2}
SESSION_CEILING_UNITS = Decimal("400")  # [label] one product, session or 3-month window
RETREATMENT_DAYS = 90  # [label] not more often than every 3 months


@dataclass(frozen=True)
class Check:
    """One finding of the dose checks. ``source`` is label or practice (REFERENCE.md)."""

    level: str
    code: str
    message: str
    source: str
    needs_ack: bool = False

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "source": self.source,
            "needs_ack": self.needs_ack,
        }


def _range_units(dose, totals: list[MuscleTotals]) -> tuple[bool, dict[str, Decimal]]:
    """Whether the plan treats the range's muscles, and its units there: per side
    ({"L": .., "R": ..}) for a per-side range, else {"total": ..}."""
    codes = {m.code for m in dose.muscles.all()}
    rows = [t for t in totals if t.muscle.code in codes]
    if not rows:
        return False, {}
    if dose.basis == DoseBasis.PER_SIDE:
        return True, {
            Side.LEFT: sum((t.left for t in rows), ZERO),
            Side.RIGHT: sum((t.right for t in rows), ZERO),
        }
    return True, {"total": sum((t.total for t in rows), ZERO)}


def _describe(units: dict[str, Decimal]) -> str:
    if "total" in units:
        return f"{format_units(units['total'])} U in total"
    return f"Patient's L {format_units(units['L'])} U, R {format_units(units['R'])} U"


def _pattern_matched(dose, points) -> bool:
    if not dose.sites or not dose.units_per_site:
        return False
    codes = {m.code for m in dose.muscles.all()}
    mine = [p for p in points if p.muscle.code in codes]
    if not all(Decimal(p.units) == dose.units_per_site for p in mine):
        return False
    if dose.basis == DoseBasis.PER_SIDE:  # the sites are counted on each side
        return all(
            sum(p.side == side for p in mine) == dose.sites for side in (Side.LEFT, Side.RIGHT)
        )
    return len(mine) == dose.sites


def label_checks(*, product, points, totals: list[MuscleTotals], ranges) -> list[Check]:
    """Label patterns and totals per area: info when matched, warn when different.

    Ranges with the same muscles are alternatives (platysma by band count); a
    range whose muscles cover several other areas is their combination (all
    three upper-face areas) and is checked only when the plan treats all of them.
    """
    groups: dict[frozenset, list] = {}
    for dose in (r for r in ranges if r.kind == Source.LABEL):
        groups.setdefault(frozenset(m.code for m in dose.muscles.all()), []).append(dose)
    checks: list[Check] = []
    treated_areas = set()
    for muscles, doses in groups.items():
        touched, units = _range_units(doses[0], totals)
        if not touched:
            continue
        treated_areas.update(d.area_code for d in doses)
        parts = [m for m in groups if m < muscles]
        if not parts:
            checks.append(_area_check(product=product, points=points, doses=doses, units=units))
        elif all(_range_units(groups[p][0], totals)[0] for p in parts):
            checks.extend(_combination_check(product=product, dose=doses[0], units=units))
    if "forehead" in treated_areas and "glabellar" not in treated_areas:
        checks.append(
            Check(
                WARN,
                "label-forehead-with-glabellar",
                "Forehead lines are labeled for treatment together with the glabellar lines.",
                Source.LABEL,
            )
        )
    return checks


def _area_check(*, product, points, doses, units: dict[str, Decimal]) -> Check:
    """One labeled area: which of its label doses the plan matches, else how it differs."""
    matched = [d for d in doses if all(v == d.typical_units for v in units.values())]
    if not matched:
        figures = " or ".join(f"{d.range_text}" for d in doses)
        return Check(
            WARN,
            f"label-{doses[0].area_code}",
            f"{doses[0].area}: {_describe(units)} differs from the {product.brand} "
            f"label ({figures}).",
            Source.LABEL,
        )
    dose = matched[0]
    how = (
        f"pattern {dose.pattern}"
        if _pattern_matched(dose, points)
        else f"the labeled pattern is {dose.pattern}"
    )
    return Check(
        INFO,
        f"label-{dose.area_code}",
        f"{dose.area}: matches the {product.brand} label, {dose.range_text}; {how}.",
        Source.LABEL,
    )


def _combination_check(*, product, dose, units: dict[str, Decimal]) -> list[Check]:
    """A combination of labeled areas (all three upper-face areas): its total."""
    total = units["total"]
    if total > dose.max_units:
        message = (
            f"{dose.area}: {format_units(total)} U is above the labeled "
            f"{format_units(dose.max_units)} U for {product.brand}."
        )
        return [Check(WARN, f"label-{dose.area_code}", message, Source.LABEL)]
    if total == dose.max_units:
        message = (
            f"{dose.area}: matches the labeled {format_units(dose.max_units)} U ({dose.pattern})."
        )
        return [Check(INFO, f"label-{dose.area_code}", message, Source.LABEL)]
    return []


def practice_checks(*, totals: list[MuscleTotals], ranges, label_matched: set[str]) -> list[Check]:
    """Outside a practice ("usual") range: warn. Skipped for muscles whose label
    dose the plan matches; practice ranges are never hard limits."""
    checks = []
    for dose in ranges:
        if dose.kind != Source.PRACTICE:
            continue
        if {m.code for m in dose.muscles.all()} & label_matched:
            continue
        touched, units = _range_units(dose, totals)
        if not touched:
            continue
        outside = {
            side: v for side, v in units.items() if v and not dose.min_units <= v <= dose.max_units
        }
        risk = f" Watch for: {dose.risk_note}." if dose.risk_note else ""
        if outside:
            checks.append(
                Check(
                    WARN,
                    f"practice-{dose.area_code}",
                    f"{dose.area}: {_describe(units)} is outside the usual range "
                    f"{dose.range_text} (practice; sources vary).{risk}",
                    Source.PRACTICE,
                )
            )
        else:
            checks.append(
                Check(
                    INFO,
                    f"practice-{dose.area_code}",
                    f"{dose.area}: within the usual range {dose.range_text}.{risk}",
                    Source.PRACTICE,
                )
            )
    return checks


def unreferenced_checks(*, product, totals: list[MuscleTotals], ranges) -> list[Check]:
    covered = {m.code for r in ranges for m in r.muscles.all()}
    return [
        Check(
            INFO,
            f"no-range-{t.muscle.code}",
            f"{t.muscle.name}: no label or usual range for {product.brand} on file.",
            Source.PRACTICE,
        )
        for t in totals
        if t.muscle.code not in covered
    ]


def session_ceiling_check(*, product, plan_units: Decimal, previous_units: Decimal) -> list[Check]:
    """More than 400 U of one product in the plan plus the last 90 days: block."""
    together = plan_units + previous_units
    if together > SESSION_CEILING_UNITS:
        return [
            Check(
                BLOCK,
                "session-ceiling",
                f"{format_units(together)} U of {product.brand} in 90 days "
                f"({format_units(plan_units)} U planned + "
                f"{format_units(previous_units)} U before): "
                f"above the labeled {format_units(SESSION_CEILING_UNITS)} U.",
                Source.LABEL,
            )
        ]
    if previous_units > 0:
        return [
            Check(
                INFO,
                "session-window",
                f"{format_units(previous_units)} U of {product.brand} in the last 90 days; with "
                f"this plan {format_units(together)} of {format_units(SESSION_CEILING_UNITS)} U.",
                Source.LABEL,
            )
        ]
    return []


def retreatment_check(*, last_toxin: datetime.date | None, on: datetime.date) -> list[Check]:
    """Any toxin under 90 days ago: warn, acknowledgment required."""
    if last_toxin is None or (on - last_toxin).days >= RETREATMENT_DAYS:
        return []
    days = (on - last_toxin).days
    return [
        Check(
            WARN,
            "retreatment-interval",
            f"Toxin given {days} days ago ({last_toxin:%b %-d, %Y}): the label advises at least "
            f"{RETREATMENT_DAYS} days between treatments. Acknowledge to finalize.",
            Source.LABEL,
            needs_ack=True,
        )
    ]


def screening_checks(*, state, product) -> list[Check]:
    """A missing, blocked or unacknowledged screening blocks the plan."""
    if state is None or state.current is None:
        return [Check(BLOCK, "screening-missing", "Screen the patient first.", Source.LABEL)]
    from .screening import blocks_for_product  # the screening's own rule for products

    checks = [
        Check(BLOCK, f"screening-{f['code']}", f["message"], f["source"])
        for f in blocks_for_product(screening=state.current, product=product)
    ]
    if not checks and state.needs_acknowledgment:
        checks.append(
            Check(
                BLOCK,
                "screening-acknowledge",
                "The screening has warnings to acknowledge before planning.",
                Source.LABEL,
            )
        )
    return checks


def check_plan(
    *,
    product,
    points: list,
    ranges,
    previous_units: Decimal,
    last_toxin: datetime.date | None,
    on: datetime.date,
    screening=None,
) -> list[Check]:
    """All dose checks for the points of one plan (one product), worst first."""
    totals = totals_by_muscle_side(points)
    plan_units = sum((t.total for t in totals), ZERO)
    ranges = [r for r in ranges if r.product_id == product.pk]
    checks = screening_checks(state=screening, product=product)
    if not points:
        checks.append(Check(INFO, "empty", "No injection points yet.", Source.LABEL))
    checks += session_ceiling_check(
        product=product, plan_units=plan_units, previous_units=previous_units
    )
    checks += retreatment_check(last_toxin=last_toxin, on=on)
    label = label_checks(product=product, points=points, totals=totals, ranges=ranges)
    matched = {
        m.code
        for r in ranges
        if r.kind == Source.LABEL
        for c in label
        if c.level == INFO and c.code == f"label-{r.area_code}"
        for m in r.muscles.all()
    }
    checks += label
    checks += practice_checks(totals=totals, ranges=ranges, label_matched=matched)
    checks += unreferenced_checks(product=product, totals=totals, ranges=ranges)
    return sorted(checks, key=lambda c: LEVEL_ORDER[c.level])
