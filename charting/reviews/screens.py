"""What the review page shows: the residual grid, cycle totals, suggestions (no writes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from charting.models import Injection
from planning import sides
from planning.asymmetry import Comparison, compare, photos_of, readings_by_visit

from .baseline import baseline_grades, treated_sides
from .cycles import Cell, build_cells
from .models import Review
from .suggestions import suggest


@dataclass
class GridCell:
    key: str
    side: str
    baseline: int | None
    value: int | None
    note: str = ""
    error: str = ""


@dataclass
class GridRow:
    muscle: object
    cells: list[GridCell] = field(default_factory=list)
    midline: bool = False  # the midline site of a paired muscle (frontalis): a row of its own

    @property
    def paired(self) -> bool:
        return self.muscle.paired and not self.midline

    def _by_side(self, attr: str) -> dict:
        return {c.side: getattr(c, attr) for c in self.cells}

    @staticmethod
    def _asymmetric(values: dict) -> bool:
        left, right = values.get("L"), values.get("R")
        return left is not None and right is not None and abs(left - right) >= 1

    @property
    def asymmetric(self) -> bool:
        """Residual movement still differs by ≥ 1 grade between left and right."""
        return self._asymmetric(self._by_side("value"))

    @property
    def stronger(self) -> str:
        values = self._by_side("value")
        return "L" if (values.get("L") or 0) > (values.get("R") or 0) else "R"

    @property
    def difference_words(self) -> str:
        """Residual left against right as the convention words it: "R +1", "even"."""
        values = self._by_side("value")
        return sides.difference(values.get("L"), values.get("R"), unit="")


def residual_grid(*, review: Review, injections, findings, posted=None, errors=None):
    """Rows of treated muscles only, baseline beside each side (two queries: the map)."""
    movement_map, baseline = baseline_grades(treatment=review.treatment)
    found = {(f.muscle_id, f.side): f for f in findings}
    errors = errors or {}
    rows: dict[tuple[int, bool], GridRow] = {}
    for t in treated_sides(injections):
        finding = found.get((t.muscle.pk, t.side))
        value = finding.grade if finding else None
        note = finding.note if finding else ""
        if posted is not None:
            raw = posted.get(f"g:{t.key}", "")
            value = int(raw) if raw in ("0", "1", "2", "3") else None
            note = posted.get(f"n:{t.key}", "")
        midline = t.muscle.paired and t.side == "C"  # beside the L/R row, not in it
        row = rows.setdefault((t.muscle.pk, midline), GridRow(muscle=t.muscle, midline=midline))
        row.cells.append(
            GridCell(
                key=t.key,
                side=t.side,
                baseline=baseline.get((t.muscle.pk, t.side)),
                value=value,
                note=note,
                error=errors.get(f"g:{t.key}", ""),
            )
        )
    for row in rows.values():
        row.cells.sort(key=lambda c: sides.sort_key(c.side))
    return movement_map, list(rows.values())


@dataclass
class TotalsRow:
    muscle: object
    cells: list[Cell]


def cycle_totals(*, injections, touch_ups, findings, side_effects) -> list[TotalsRow]:
    """Original + touch-up per muscle and side, with each side's suggestion (no queries)."""
    cells = build_cells(
        injections=injections, touch_ups=touch_ups, findings=findings, side_effects=side_effects
    )
    rows: dict[str, TotalsRow] = {}
    for cell in cells.values():
        cell.suggestion = suggest(cell.facts)
        rows.setdefault(cell.muscle.code, TotalsRow(muscle=cell.muscle, cells=[])).cells.append(
            cell
        )
    for row in rows.values():
        row.cells.sort(key=lambda c: sides.sort_key(c.side))
    return sorted(rows.values(), key=lambda r: (r.muscle.order, r.muscle.code))


def review_rows(review: Review):
    """The rows the review page needs, four queries: the treatment's injections, touch-up
    injections, findings, side effects."""
    injections = list(
        Injection.objects.filter(treatment=review.treatment_id).select_related("muscle")
    )  # query: the treatment's injections
    touch_ups = list(
        Injection.objects.filter(treatment=review.touch_up_id).select_related("muscle", "vial__lot")
    )  # query: the touch-up's injections (none yet: still one query, the page stays constant)
    findings = list(review.findings.select_related("muscle"))  # query: residual grades
    side_effects = list(review.side_effects.select_related("muscle"))  # query: side effects
    return injections, touch_ups, findings, side_effects


def measured_comparison(*, review: Review, movement_map) -> list[Comparison]:
    """What was measured on the review's photos against the baseline of the treated
    cycle, per expression and moment: the treatment visit's photos, else those of the
    baseline map's visit (the consultation). One query: the photos of the three visits
    with their measurements. Shown only; no rule reads it."""
    treated = review.treatment.visit
    consultation = movement_map.visit if movement_map is not None else None
    by_visit = readings_by_visit(
        photos_of({review.visit_id, treated.pk, getattr(consultation, "pk", None)})
    )
    baselines = [(treated, by_visit.get(treated.pk, []))]
    if consultation is not None and consultation.pk != treated.pk:
        baselines.append((consultation, by_visit.get(consultation.pk, [])))
    return compare(review=by_visit.get(review.visit_id, []), baselines=baselines)
