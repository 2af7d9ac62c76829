"""Suggested starting doses from the movement map (a suggestion, never a rule).

For each muscle the map graded, the strongest grade per side over all
expressions, and a starting dose per side taken from the plan product's dose
ranges and scaled by that grade:

- a practice ("usual") range min–max: grade 1 → min, 2 → middle, 3 → max;
- a label figure (e.g. glabellar 2 sites × 4 U per corrugator): grade 1 → ¾ of
  it, 2 → the label figure, 3 → 1¼ of it; only the unscaled figure is shown as
  "label", a scaled one is a practice suggestion and says so;
- grade 0 → nothing suggested.

The label is preferred where it names the muscle's share (sites per muscle);
units are rounded to 0.5 U. Ranges of one product only: no conversion between
products, ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import reference_cache, sides
from .choices import DoseBasis, Side, Source
from .dosing import muscle_codes
from .models import DoseRange, Muscle
from .movement import strongest_grades
from .units import split_by_site, to_step

# The label pattern's sites per muscle and side (REFERENCE.md): glabellar 2 per
# corrugator + 1 procerus; lateral canthal 3 per side; forehead 5 sites (2.5 a side).
LABEL_SITES = {
    ("glabellar", "CORR"): Decimal("2"),
    ("glabellar", "PROC"): Decimal("1"),
    ("lateral-canthal", "OOC"): Decimal("3"),
    ("forehead", "FRONT"): Decimal("2.5"),
}
LABEL_SCALE = {1: Decimal("0.75"), 2: Decimal("1"), 3: Decimal("1.25")}


@dataclass
class MuscleSuggestion:
    muscle: Muscle
    grades: dict[str, int | None] = field(default_factory=dict)  # side -> strongest grade
    units: dict[str, Decimal | None] = field(default_factory=dict)  # side -> suggested units
    basis: str = ""  # where the figure comes from, shown with it
    source: str = ""  # label / practice
    splits: dict[str, list[Decimal]] = field(default_factory=dict)  # side -> units per point

    @property
    def stronger(self) -> str:
        left, right = self.grades.get(Side.LEFT), self.grades.get(Side.RIGHT)
        if left is None or right is None or left == right:
            return ""
        return Side.LEFT if left > right else Side.RIGHT

    @property
    def sides(self) -> list[dict]:
        """Per side (in the convention's order: patient's R, then L) its grade and units."""
        return [
            {
                "side": s,
                "grade": self.grades.get(s),
                "units": self.units.get(s),
                "split": ",".join(f"{u.normalize():f}" for u in self.splits.get(s, [])),
                "points": len(self.splits.get(s, [])),
            }
            for s in sides.ordered(self.muscle.graded_sides)
        ]


def per_side_figure(dose: DoseRange, muscle: Muscle, grade: int) -> Decimal | None:
    """The starting units for one side (or the midline) of ``muscle`` at ``grade``."""
    if grade <= 0:
        return None
    if dose.kind == Source.LABEL:
        sites = LABEL_SITES.get((dose.area_code, muscle.code))
        per_site = dose.units_per_site or (dose.typical_units / dose.sites if dose.sites else None)
        if sites is not None and per_site:
            base = sites * per_site
        elif dose.basis == DoseBasis.PER_SIDE:
            base = dose.typical_units or dose.max_units
        else:
            return None
        return to_step(base * LABEL_SCALE[min(grade, 3)])
    low, high = dose.min_units, dose.max_units
    if dose.basis == DoseBasis.TOTAL and muscle.paired:
        low, high = low / 2, high / 2
    figure = {1: low, 2: (low + high) / 2}.get(grade, high)
    return to_step(figure)


def choose_range(muscle: Muscle, ranges: list[DoseRange]) -> DoseRange | None:
    mine = [r for r in ranges if muscle.code in muscle_codes(r)]
    for r in mine:
        if r.kind == Source.LABEL and (r.area_code, muscle.code) in LABEL_SITES:
            return r
    for r in mine:
        if r.kind == Source.PRACTICE:
            return r
    for r in mine:
        if r.kind == Source.LABEL and r.basis == DoseBasis.PER_SIDE:
            return r
    return None


def per_site(dose: DoseRange, muscle: Muscle, limits) -> Decimal | None:
    """The most a suggested point carries: the label's per-site dose where the label has
    a pattern for the muscle, else the clinic's most per site in its area (clinic
    policy), else nothing known (one point, to be placed by the injector)."""
    if dose.kind == Source.LABEL and (dose.area_code, muscle.code) in LABEL_SITES:
        return dose.units_per_site or None
    for limit in limits:
        if muscle.code in muscle_codes(limit):
            return limit.max_per_site
    return None


def suggest(*, muscles, observations, ranges: list[DoseRange], limits=()) -> list[MuscleSuggestion]:
    """One row per muscle: its grades per side, the suggested units per side, and how
    they split into points (each at most ``per_site``)."""
    strongest = strongest_grades(observations)
    rows = []
    for muscle in muscles:
        grades = {s: strongest.get((muscle.pk, s)) for s in muscle.graded_sides}
        dose = choose_range(muscle, ranges)
        row = MuscleSuggestion(muscle=muscle, grades=grades)
        if dose is not None:
            row.units = {
                s: per_side_figure(dose, muscle, g) if g is not None else None
                for s, g in grades.items()
            }
            most = per_site(dose, muscle, limits)
            row.splits = {s: split_by_site(u, most) for s, u in row.units.items() if u}
            scaled = any(g not in (None, 0, 2) for g in grades.values())
            if dose.kind == Source.LABEL and scaled:
                # ¾ or 1¼ of the label is not the label: a practice suggestion from it.
                row.source = Source.PRACTICE
                row.basis = f"{dose.area}, the label's {dose.range_text} scaled by grade"
            else:
                row.source = dose.kind
                row.basis = f"{dose.area}, {dose.range_text}"
        rows.append(row)
    return rows


def kept_suggestions(*, product, muscles, observations, ranges) -> tuple[MuscleSuggestion, ...]:
    """``suggest``'s rows for ``muscles`` (the reference cache's) from a map's cells, with
    the product's ``ranges`` and limits as the reference cache gives them in this request
    (``planning.plans.ranges_for``: the same version as the kept rows): kept with that
    reference data (``reference_cache.derived``: a changed range, limit or muscle is a
    new start) and keyed by the rest of what ``suggest`` reads, the product, the muscles
    and each cell's muscle, side, grade and whether it is at rest (issue 22, eleventh
    session: the plan page's suggestions were worked out again on every view). Shared:
    read only."""
    key = (
        product.pk,
        tuple(m.pk for m in muscles),
        tuple((o.muscle_id, o.side, o.grade, o.at_rest) for o in observations),
    )
    return reference_cache.derived(
        "suggestions",
        key,
        lambda: tuple(
            suggest(
                muscles=muscles,
                observations=observations,
                ranges=ranges,
                limits=reference_cache.dose_limits(product),
            )
        ),
    )
