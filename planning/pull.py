"""Direction of pull (issue 21): for the few cells of the movement map where a grade
alone misses what the face does, which way the muscle pulls.

- the lateral frontalis as the brows are raised: does the brow tail spike up (the
  article's "right brow that spikes every time you raise your forehead") or lift flat;
- the depressor anguli oris at rest and in the grimace: does it pull the mouth corner
  down, or is the corner neutral.

The one rule, here alone: ``DIRECTIONS`` says which cells take a direction and which
ones; ``direction_refusal`` says why a direction is refused. Every door calls it: the
movement-map page (through ``planning.movement.check_cells``), ``Observation.clean``
(the Django admin and any ``full_clean``), and so a second tab or a double submit,
which go through the same page. Pure: no model is imported here (the models import it).
"""

from __future__ import annotations

from django.db import models

from . import sides


class Direction(models.TextChoices):
    TAIL_UP = "tail_up", "Tail spikes up"
    FLAT = "flat", "Flat"
    CORNER_DOWN = "corner_down", "Corner pulls down"
    NEUTRAL = "neutral", "Neutral"


_BROW_TAIL = (Direction.TAIL_UP, Direction.FLAT)
_MOUTH_CORNER = (Direction.CORNER_DOWN, Direction.NEUTRAL)

# (expression code, muscle code) -> the directions that cell may record.
DIRECTIONS: dict[tuple[str, str], tuple[Direction, ...]] = {
    ("BROWS", "FRONTL"): _BROW_TAIL,
    ("REST", "DAO"): _MOUTH_CORNER,
    ("GRIMACE", "DAO"): _MOUTH_CORNER,
}
# The same cells in words, for the refusal (kept beside DIRECTIONS: change both).
WHERE = (
    "the lateral frontalis as the brows are raised and the depressor anguli oris at rest "
    "and in the grimace"
)


def directions_for(expression_code: str, muscle_code: str) -> tuple[Direction, ...]:
    """The directions a cell may record; empty where direction does not apply."""
    return DIRECTIONS.get((expression_code, muscle_code), ())


def direction_refusal(
    *,
    expression_code: str,
    muscle_code: str,
    direction: str,
    graded: bool,
    expression_name: str = "",
    muscle_name: str = "",
) -> str | None:
    """Why ``direction`` may not be recorded in this cell, or None (no direction is
    always fine)."""
    if not direction:
        return None
    allowed = directions_for(expression_code, muscle_code)
    muscle = muscle_name or muscle_code
    expression = expression_name or expression_code
    if not allowed:
        return (
            f"A direction of pull is recorded only for {WHERE}, not for {muscle} in {expression}."
        )
    if direction not in allowed:
        words = " or ".join(f"“{d.label}”" for d in allowed)
        return f"For {muscle} in {expression}, choose the direction {words}."
    if not graded:
        return "Grade this cell before recording its direction."
    return None


def label(direction: str) -> str:
    """A stored direction in words ("Tail spikes up"); "" when none."""
    return Direction(direction).label if direction in Direction.values else ""


def directions_words(by_side: dict[str, str]) -> str:
    """A cell pair's directions in the convention's order and words:
    "Patient's R tail spikes up · Patient's L flat" (``by_side``: side -> stored value)."""
    return " · ".join(
        f"{sides.name(side)} {label(by_side[side]).lower()}"
        for side in sides.ordered(by_side)
        if label(by_side[side])
    )
