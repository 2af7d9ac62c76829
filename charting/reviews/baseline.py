"""What was treated in a cycle and how it moved before: the review grid's rows."""

from __future__ import annotations

from dataclasses import dataclass

from charting.models import Treatment
from planning import sides
from planning.models import MovementMap, Muscle
from planning.movement import baseline_observations, latest_map, strongest_grades


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
    return sorted(
        seen.values(), key=lambda t: (t.muscle.order, t.muscle.code, sides.sort_key(t.side))
    )


def baseline_grades(*, treatment: Treatment) -> tuple[MovementMap | None, dict]:
    """The baseline map (the patient's latest on or before the treatment day) and its
    strongest grade per (muscle id, side) (``planning.movement``). Two queries."""
    movement_map = latest_map(visit=treatment.visit)
    return movement_map, strongest_grades(baseline_observations(movement_map))
