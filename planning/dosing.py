"""Dose arithmetic and the dose rules (REFERENCE.md): the one module that decides
whether units may be given, for a plan, a chart, a touch-up and the demo data.

One product per record: units of different products are never added together or
compared. The cumulative ceiling counts one active ingredient (BOTOX and BOTOX
Cosmetic are both onabotulinumtoxinA). Everything here is pure: the doses
around the day come in a ``DoseContext`` (``planning.dose_rules`` gathers it).
Every check says where it comes from: label, practice or clinic policy.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .choices import BASIS_TEXT, DoseBasis, Side, Source
from .units import format_units

ZERO = Decimal("0")


def muscle_codes(row) -> frozenset[str]:
    """The codes of a dose range's or limit's muscles. With the muscles prefetched (the
    reference cache's rows: shared read-only, replaced whole when one changes) the set
    is made once per prefetched list instead of once per point and check (issue 22);
    otherwise it is read each time, as ``row.muscles.all()`` would be."""
    prefetched = getattr(row, "_prefetched_objects_cache", {}).get("muscles")
    if prefetched is None:
        return frozenset(m.code for m in row.muscles.all())
    kept = row.__dict__.get("_muscle_codes")
    if kept is None or kept[0] is not prefetched:  # a new prefetch: made again
        kept = row.__dict__["_muscle_codes"] = (
            prefetched,
            frozenset(m.code for m in prefetched),
        )
    return kept[1]


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


class CheckedPoint(NamedTuple):
    """What the rules read of a point (a plan's, a template's, a charted injection, a
    posted one): its muscle, side, units (a decimal) and height on the diagram."""

    muscle: object
    side: str
    units: Decimal
    y: Decimal | None


class CheckedPoints(tuple):
    """``as_checked``'s points, with each muscle's points (by code) gathered once: a
    range or limit reads its muscles' points from ``by_code`` instead of every point
    once per range and limit (issue 22, seventeenth session). A tuple, its groups
    tuples: the plan page keeps a final plan's (``planning.final_points.derived``) and
    every later view's checks read the same points, so nothing may change them. Its
    totals are worked out once (``checked_totals``)."""

    by_code: dict[str, tuple[CheckedPoint, ...]]
    totals: tuple | None


def as_checked(points: Iterable) -> CheckedPoints:
    """``points`` as the rules read them, each attribute read once (a model row's
    ``muscle`` is a descriptor lookup, and the rules read it hundreds of times: once
    per point and range or limit; issue 22)."""
    if type(points) is CheckedPoints:
        return points
    checked = CheckedPoints(
        p
        if type(p) is CheckedPoint
        else CheckedPoint(p.muscle, p.side, Decimal(p.units), getattr(p, "y", None))
        for p in points
    )
    by_code: dict[str, list[CheckedPoint]] = {}
    for p in checked:
        by_code.setdefault(p.muscle.code, []).append(p)
    checked.by_code = {code: tuple(group) for code, group in by_code.items()}
    checked.totals = None
    return checked


def checked_totals(points: CheckedPoints) -> tuple[MuscleTotals, ...]:
    """``totals_by_muscle_side`` of ``points``, worked out once per ``CheckedPoints``."""
    if points.totals is None:
        points.totals = tuple(totals_by_muscle_side(points))
    return points.totals


def of_muscles(points, codes) -> list:
    """The points on one of the muscles ``codes`` (any order: the rules sum, count and
    compare them, never read their order)."""
    by_code = getattr(points, "by_code", None)
    if by_code is None:
        return [p for p in points if p.muscle.code in codes]
    return [p for code in codes if code in by_code for p in by_code[code]]


# Where a side's units are summed in a totals row (``totals_by_muscle_side``).
_SIDE_SLOT = {Side.LEFT: 1, Side.RIGHT: 2, Side.CENTER: 3}
_PERCENT = Decimal("1")


def totals_by_muscle_side(points: Iterable) -> list[MuscleTotals]:
    """Per muscle, the units on the left, right and midline, in muscle order.

    ``points``: objects with ``.muscle`` (with ``.code``, ``.order``),
    ``.side`` and ``.units`` — plan points, template points or charted injections.
    Every plan view sums its points twice (its panel and its dose checks): one
    list per muscle, each attribute read once (issue 22, twelfth session).
    """
    by_muscle: dict[str, list] = {}
    for point in points:
        muscle = point.muscle
        row = by_muscle.get(muscle.code)
        if row is None:
            row = by_muscle[muscle.code] = [muscle, ZERO, ZERO, ZERO, 0]
        units = point.units
        row[_SIDE_SLOT[point.side]] += units if type(units) is Decimal else Decimal(units)
        row[4] += 1
    rows = sorted(by_muscle.values(), key=lambda r: (getattr(r[0], "order", 0), r[0].code))
    result = []
    for muscle, left, right, centre, count in rows:
        difference = left - right
        larger = max(left, right)
        percent = (
            (abs(difference) * 100 / larger).quantize(_PERCENT, ROUND_HALF_UP)
            if larger > 0 and getattr(muscle, "paired", True)
            else None
        )
        result.append(
            MuscleTotals(
                muscle=muscle,
                left=left,
                right=right,
                centre=centre,
                total=left + right + centre,
                difference=difference,
                percent=percent,
                points=count,
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


# [practice] The lateral orbicularis oculi serves two areas: crow's feet (lateral canthal
# lines, at eye level) and a brow lift (at the brow tail, above it). A point's area is
# read from where it is placed: above this line of the face diagram (its OOC region
# spans 174–234 of 520, the brow tail in its upper part) it is the brow tail.
BROW_TAIL_BELOW_Y = Decimal("0.365")
SHARED_MUSCLE_AREAS = {"OOC": ("lateral-canthal", "brow-lift")}


def point_area(point) -> str | None:
    """The area a point of a muscle that serves several belongs to (None otherwise,
    or when it has no position)."""
    if point.muscle.code not in SHARED_MUSCLE_AREAS:
        return None
    y = getattr(point, "y", None)
    if y is None:
        return None
    return "brow-lift" if Decimal(y) < BROW_TAIL_BELOW_Y else "lateral-canthal"


def _counts_for(dose, point) -> bool:
    """Whether a point counts toward a range: a range of one of a shared muscle's areas
    counts only that area's points; every other range counts them all."""
    areas = SHARED_MUSCLE_AREAS.get(point.muscle.code, ())
    if dose.area_code not in areas:
        return True
    area = point_area(point)
    return area is None or area == dose.area_code


def _range_units(dose, points) -> tuple[bool, dict[str, Decimal]]:
    """Whether the points treat the range's area, and their units there: per side
    ({"L": .., "R": ..}) for a per-side range, else {"total": ..}."""
    mine = [p for p in of_muscles(points, muscle_codes(dose)) if _counts_for(dose, p)]
    if not mine:
        return False, {}
    if dose.basis == DoseBasis.PER_SIDE:
        return True, {
            side: sum((Decimal(p.units) for p in mine if p.side == side), ZERO)
            for side in (Side.LEFT, Side.RIGHT)
        }
    return True, {"total": sum((Decimal(p.units) for p in mine), ZERO)}


def _describe(units: dict[str, Decimal]) -> str:
    if "total" in units:
        return f"{format_units(units['total'])} U in total"
    return f"Patient's L {format_units(units['L'])} U, R {format_units(units['R'])} U"


def _describe_outside(outside: dict[str, Decimal]) -> str:
    """Only the sides that are out ("Patient's L 6 U is"), or the total."""
    if "total" in outside:
        return f"{format_units(outside['total'])} U in total is"
    parts = [f"Patient's {side} {format_units(v)} U" for side, v in sorted(outside.items())]
    return " and ".join(parts) + (" are" if len(parts) > 1 else " is")


def _pattern_matched(dose, points) -> bool:
    if not dose.sites or not dose.units_per_site:
        return False
    mine = of_muscles(points, muscle_codes(dose))
    if not all(Decimal(p.units) == dose.units_per_site for p in mine):
        return False
    if dose.basis == DoseBasis.PER_SIDE:  # the sites are counted on each side
        return all(
            sum(p.side == side for p in mine) == dose.sites for side in (Side.LEFT, Side.RIGHT)
        )
    return len(mine) == dose.sites


# [label] Labeled areas with an age bound: Dysport's glabellar lines are labeled for
# adults under 65 (REFERENCE.md); at 65 or over the area is off-label.
LABEL_AGE_BELOW = {("dysport", "glabellar"): 65}


def _age_checks(*, product, treated_areas: set, age: int | None) -> list[Check]:
    checks = []
    for (code, area), below in LABEL_AGE_BELOW.items():
        if product.code == code and area in treated_areas and age is not None and age >= below:
            checks.append(
                Check(
                    WARN,
                    f"label-age-{area}",
                    f"{product.brand}'s {area} label is for adults under {below}; the patient "
                    f"is {age}: off-label, so no label dose matches.",
                    Source.LABEL,
                )
            )
    return checks


def label_checks(
    *, product, points, totals: list[MuscleTotals], ranges, age: int | None = None
) -> list[Check]:
    """Label patterns and totals per area: info when matched, warn when different.

    Ranges with the same muscles are alternatives (platysma by band count); a
    range whose muscles cover several other areas is their combination (all
    three upper-face areas) and is checked only when the plan treats all of them.
    """
    groups: dict[frozenset, list] = {}
    for dose in (r for r in ranges if r.kind == Source.LABEL):
        groups.setdefault(muscle_codes(dose), []).append(dose)
    checks: list[Check] = []
    treated_areas = set()
    for muscles, doses in groups.items():
        touched, units = _range_units(doses[0], points)
        if not touched:
            continue
        treated_areas.update(d.area_code for d in doses)
        parts = [m for m in groups if m < muscles]
        if not parts:
            checks.append(_area_check(product=product, points=points, doses=doses, units=units))
        elif all(_range_units(groups[p][0], points)[0] for p in parts):
            checks.extend(_combination_check(product=product, dose=doses[0], units=units))
    aged = _age_checks(product=product, treated_areas=treated_areas, age=age)
    if aged:  # off-label for this patient: no "matches the label" for those areas
        off = {c.code.removeprefix("label-age-") for c in aged}
        checks = [c for c in checks if c.code.removeprefix("label-") not in off] + aged
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


def practice_checks(*, points, ranges, label_matched: set[str]) -> list[Check]:
    """Outside a practice ("usual") range: warn. Skipped for muscles whose label
    dose the plan matches, unless points are placed in this range's own area of a
    muscle that serves several (a brow-tail point beside labeled crow's feet);
    practice ranges are never hard limits."""
    checks = []
    placed = {point_area(p) for p in points}  # the areas of shared muscles' points
    for dose in ranges:
        if dose.kind != Source.PRACTICE:
            continue
        if muscle_codes(dose) & label_matched and dose.area_code not in placed:
            continue
        touched, units = _range_units(dose, points)
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
                    f"{dose.area}: {_describe_outside(outside)} outside the usual range "
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
    covered = {code for r in ranges for code in muscle_codes(r)}
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


CEILING_DAYS = 90  # a clinic-policy ceiling counts any 90 days (the labels' "3 months")


@dataclass(frozen=True)
class DoseContext:
    """What the rules know besides the points being decided.

    ``doses``: the patient's other doses of the same active ingredient within
    ``CEILING_DAYS`` either side of ``on`` (planning.treatment_history.doses, the
    record being decided left out); ``last_session``: the last main session before
    ``on`` (none for a touch-up, which belongs to its cycle); ``record``: "plan",
    "chart" or "touch-up"; ``planned``: for a chart, its final plan's points."""

    on: datetime.date
    doses: tuple = ()
    last_session: object = None  # planning.treatment_history.LastSession
    record: str = "plan"
    planned: tuple | None = None
    age: int | None = None  # the patient's age on the day


def _u(value: Decimal) -> str:
    return f"{format_units(value)} U"


def window_peak(*, on: datetime.date, own: Decimal, doses, days: int):
    """The fullest window of ``days`` days that contains ``on``: (units, first day,
    last day, the doses in it), the latest such window when several are as full.
    ``own`` is given on ``on`` itself.

    Only the starts that can be the latest of the fullest windows are tried, latest
    first: ``on`` and each dose's day before it. A window starting on no dose's day
    holds no more than the one starting a day later (it gains no dose, units are never
    negative), so a later start is always as full (tests/planning/
    test_ceiling_properties.py checks it against trying every start)."""
    first = on - datetime.timedelta(days=days - 1)
    starts = sorted({on, *(d.on for d in doses if first <= d.on < on)}, reverse=True)
    best = None
    for start in starts:
        end = start + datetime.timedelta(days=days - 1)
        inside = [d for d in doses if d.units is not None and start <= d.on <= end]
        total = own + sum((d.units for d in inside), ZERO)
        if best is None or total > best[0]:
            best = (total, start, end, inside)
    return best


def _parts(record: str, own: Decimal, inside) -> str:
    parts = [f"this {record} {_u(own)}"] + [d.label for d in inside]
    return "; ".join(parts)


def _span(start: datetime.date, end: datetime.date) -> str:
    if start == end:
        return f"on {start:%b %-d, %Y}"
    return f"from {start:%b %-d} to {end:%b %-d, %Y}"


def ceiling_checks(*, product, own: Decimal, context: DoseContext) -> list[Check]:
    """The cumulative ceiling of the product's active ingredient in every window that
    contains the day: the label's where the label states one (BLOCK, label), the
    clinic's own (BLOCK, clinic policy); where neither exists, the label's "consider
    the cumulative dose" (INFO with the figure). Doses of unknown units from
    elsewhere need an acknowledgment."""
    checks: list[Check] = []
    ingredient = product.generic_name
    record = context.record
    ceilings = []
    if product.label_ceiling_units:
        wording = product.label_ceiling_text or _u(product.label_ceiling_units)
        days = product.label_ceiling_days or CEILING_DAYS
        what = f"the {product.brand} label's {wording}"
        ceilings.append((product.label_ceiling_units, days, Source.LABEL, what))
    if product.policy_ceiling_units:
        what = (
            f"the clinic's ceiling for {product.brand}, {_u(product.policy_ceiling_units)} "
            f"in any {CEILING_DAYS} days (clinic policy)"
        )
        ceilings.append((product.policy_ceiling_units, CEILING_DAYS, Source.POLICY, what))
    for limit, days, source, what in ceilings:
        total, start, end, inside = window_peak(
            on=context.on, own=own, doses=context.doses, days=days
        )
        if total > limit:
            checks.append(
                Check(
                    BLOCK,
                    f"ceiling-{source}",
                    f"{_u(total)} of {ingredient} {_span(start, end)} "
                    f"({_parts(record, own, inside)}): above {what}.",
                    source,
                )
            )
    if not checks:
        total, start, end, inside = window_peak(
            on=context.on, own=own, doses=context.doses, days=CEILING_DAYS
        )
        if inside:
            figure = "; ".join(what for *_, what in ceilings) or (
                f"the {product.brand} label states no cumulative figure: consider the "
                "cumulative dose"
            )
            checks.append(
                Check(
                    INFO,
                    "ceiling-window",
                    f"{_u(total)} of {ingredient} {_span(start, end)} "
                    f"({_parts(record, own, inside)}); {figure}.",
                    Source.LABEL,
                )
            )
    unknown = [d for d in context.doses if d.units is None]
    if unknown:
        when = ", ".join(f"{d.on:%b %Y}" for d in unknown)
        checks.append(
            Check(
                WARN,
                "ceiling-unknown",
                f"Toxin from elsewhere ({when}, patient-reported) of unknown product or units: "
                "consider the cumulative dose. Acknowledge to go ahead.",
                Source.LABEL,
                needs_ack=True,
            )
        )
    return checks


def retreatment_check(*, context: DoseContext) -> list[Check]:
    """A main session under 90 days after the last one: warn, acknowledgment required.
    The interval runs from a cycle's main session: a touch-up neither starts one nor
    is held to one (REFERENCE.md)."""
    last = context.last_session
    if context.record == "touch-up" or last is None:
        return []
    days = (context.on - last.on).days
    if days >= RETREATMENT_DAYS:
        return []
    return [
        Check(
            WARN,
            "retreatment-interval",
            f"Toxin {days} days ago: {last.describe()}. The label advises at least "
            f"{RETREATMENT_DAYS} days between treatments. Acknowledge to go ahead.",
            Source.LABEL,
            needs_ack=True,
        )
    ]


SIDE_WORDS = {Side.LEFT: "Patient's L", Side.RIGHT: "Patient's R", Side.CENTER: "Midline"}


def limit_checks(*, points, limits) -> list[Check]:
    """The clinic's hard limits per area (clinic policy): a site above the most per
    site, or an area (per side or in total) above its most, blocks."""
    checks: list[Check] = []
    for limit in limits:
        mine = of_muscles(points, muscle_codes(limit))
        if not mine:
            continue
        high = [p for p in mine if Decimal(p.units) > limit.max_per_site]
        for side in sorted({p.side for p in high}):
            worst = max(Decimal(p.units) for p in high if p.side == side)
            checks.append(
                Check(
                    BLOCK,
                    f"limit-site-{limit.area_code}-{side}",
                    f"{limit.area}, {SIDE_WORDS.get(side, side)}: a site of {_u(worst)} is above "
                    f"the clinic's most per site, {_u(limit.max_per_site)} (clinic policy).",
                    Source.POLICY,
                )
            )
        if limit.basis == DoseBasis.PER_SIDE:
            groups = {side: [p for p in mine if p.side == side] for side in (Side.LEFT, Side.RIGHT)}
        else:
            groups = {"": mine}
        for side, rows in groups.items():
            total = sum((Decimal(p.units) for p in rows), ZERO)
            if total > limit.max_units:
                where = f"{SIDE_WORDS[side]} " if side else ""
                checks.append(
                    Check(
                        BLOCK,
                        f"limit-area-{limit.area_code}{'-' + side if side else ''}",
                        f"{limit.area}: {where}{_u(total)} is above the clinic's limit of "
                        f"{_u(limit.max_units)} {BASIS_TEXT.get(limit.basis, limit.basis)} "
                        "(clinic policy).",
                        Source.POLICY,
                    )
                )
    return checks


@dataclass(frozen=True)
class Departure:
    """One muscle and side of a chart against its final plan."""

    muscle: object
    side: str
    planned: Decimal
    given: Decimal

    @property
    def difference(self) -> Decimal:
        return self.given - self.planned

    @property
    def magnitude(self) -> Decimal:
        return abs(self.difference)


def departures(*, planned, given) -> list[Departure]:
    """Per muscle and side where the chart gives other units than the plan, in muscle
    order (no queries: points with ``.muscle``, ``.side``, ``.units``)."""
    sums: dict[tuple[str, str], list] = {}
    for index, points in enumerate((planned, given)):
        for p in points:
            row = sums.setdefault((p.muscle.code, p.side), [p.muscle, ZERO, ZERO])
            row[1 + index] += Decimal(p.units)
    rows = [Departure(m, side, a, b) for (_, side), (m, a, b) in sums.items() if a != b]
    return sorted(rows, key=lambda d: (getattr(d.muscle, "order", 0), d.muscle.code, d.side))


def departure_checks(*, planned, given) -> list[Check]:
    """More than planned on a muscle and side needs a written reason at signing."""
    checks = []
    for d in departures(planned=planned, given=given):
        where = f"{d.muscle.name}, {SIDE_WORDS.get(d.side, d.side)}"
        if d.difference > 0:
            checks.append(
                Check(
                    WARN,
                    f"departure-{d.muscle.code}-{d.side}",
                    f"{where}: {_u(d.given)} given against {_u(d.planned)} planned "
                    f"(+{_u(d.difference)}). Say why before signing.",
                    Source.PRACTICE,
                    needs_ack=True,
                )
            )
        else:
            checks.append(
                Check(
                    INFO,
                    f"departure-{d.muscle.code}-{d.side}",
                    f"{where}: {_u(d.given)} given against {_u(d.planned)} planned.",
                    Source.PRACTICE,
                )
            )
    return checks


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
    context: DoseContext,
    limits=(),
    screening=None,
    with_screening: bool = True,
) -> list[Check]:
    """All dose checks for the points of one plan, chart or touch-up cycle (one
    product), worst first. The one authority: the plan editor, the chart, the
    touch-up, signing and the demo data all call it (through
    ``planning.dose_rules.check_doses``)."""
    points = as_checked(points)
    totals = checked_totals(points)
    own = sum((t.total for t in totals), ZERO)
    ranges = [r for r in ranges if r.product_id == product.pk]
    checks = screening_checks(state=screening, product=product) if with_screening else []
    if not points:
        checks.append(Check(INFO, "empty", "No injection points yet.", Source.LABEL))
    checks += ceiling_checks(product=product, own=own, context=context)
    checks += retreatment_check(context=context)
    checks += limit_checks(points=points, limits=[x for x in limits if x.product_id == product.pk])
    if context.planned is not None:
        checks += departure_checks(planned=as_checked(context.planned), given=points)
    label = label_checks(
        product=product, points=points, totals=totals, ranges=ranges, age=context.age
    )
    matched = {
        code
        for r in ranges
        if r.kind == Source.LABEL
        for c in label
        if c.level == INFO and c.code == f"label-{r.area_code}"
        for code in muscle_codes(r)
    }
    checks += label
    checks += practice_checks(points=points, ranges=ranges, label_matched=matched)
    checks += unreferenced_checks(product=product, totals=totals, ranges=ranges)
    return sorted(checks, key=lambda c: LEVEL_ORDER[c.level])
