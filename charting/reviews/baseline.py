"""What was treated in a cycle and how it moved before: the review grid's rows."""

from __future__ import annotations

from dataclasses import dataclass

from charting.models import Treatment
from planning.models import MovementMap, Muscle, Observation

REST = "REST"


@dataclass(frozen=True)
class TreatedSide:
    muscle: Muscle
    side: str

    @property
    def key(self) -> str:
        return f"{self.muscle.code}:{self.side}"


def treated_sides(injections) -> list[TreatedSide]:
    """The muscle/side pairs of ``injections`` (with ``.muscle`` loaded), in muscle order."""
    seen: dict[tuple[int, str], TreatedSide] = {}
    for injection in injections:
        seen.setdefault(
            (injection.muscle_id, injection.side), TreatedSide(injection.muscle, injection.side)
        )
    side_order = {"R": 0, "C": 1, "L": 2}
    return sorted(
        seen.values(), key=lambda t: (t.muscle.order, t.muscle.code, side_order.get(t.side, 9))
    )


def baseline_map(*, treatment: Treatment) -> MovementMap | None:
    """The patient's last movement map on or before the treatment day (one query)."""
    visit = treatment.visit
    return (
        MovementMap.objects.filter(visit__patient_id=visit.patient_id, visit__date__lte=visit.date)
        .select_related("visit")
        .order_by("-visit__date", "-visit_id")
        .first()
    )


def strongest_grades(observations) -> dict[tuple[int, str], int]:
    """Per (muscle id, side): the strongest grade in any expression but rest (rest only
    when the muscle was graded at rest alone)."""
    moving: dict[tuple[int, str], int] = {}
    resting: dict[tuple[int, str], int] = {}
    for o in observations:
        target = resting if o.expression.code == REST else moving
        key = (o.muscle_id, o.side)
        target[key] = max(target.get(key, 0), o.grade)
    return {**resting, **moving}


def baseline_grades(*, treatment: Treatment) -> tuple[MovementMap | None, dict]:
    """The baseline map and its strongest grade per (muscle id, side). Two queries."""
    movement_map = baseline_map(treatment=treatment)
    if movement_map is None:
        return None, {}
    observations = Observation.objects.filter(movement_map=movement_map).select_related(
        "expression"
    )
    return movement_map, strongest_grades(observations)
