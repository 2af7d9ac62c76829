"""The movement map: how each muscle moves, per expression and side."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..choices import Grade, Side
from ..pull import Direction, direction_refusal
from .locking import LockedByVisit, LockedByVisitQuerySet
from .reference import Expression, Muscle
from .visits import Visit


class MovementMap(LockedByVisit):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"
    locked_what = "movement map"

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="movement_map")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    notes = models.TextField(blank=True)

    objects = LockedByVisitQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Movement map of visit {self.visit_id}"


class Observation(LockedByVisit):
    """One cell of the map: a grade 0–3 for a muscle on one side in one expression."""

    visit_path = "movement_map__visit"
    locked_what = "movement map"

    movement_map = models.ForeignKey(
        MovementMap, on_delete=models.CASCADE, related_name="observations"
    )
    expression = models.ForeignKey(Expression, on_delete=models.PROTECT, related_name="+")
    muscle = models.ForeignKey(Muscle, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    note = models.CharField(max_length=200, blank=True)
    # Which way it pulls, only in the cells of planning.pull.DIRECTIONS (issue 21).
    direction = models.CharField(
        "direction of pull", max_length=12, blank=True, choices=Direction.choices
    )

    objects = LockedByVisitQuerySet.as_manager()

    class Meta:
        ordering = ["expression__order", "muscle__order", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["movement_map", "expression", "muscle", "side"],
                name="observation_one_per_cell",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=Grade.NONE) & Q(grade__lte=Grade.SEVERE),
                name="observation_grade_0_to_3",
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="observation_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(direction="") | Q(direction__in=Direction.values),
                name="observation_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side} in {self.expression_id}: {self.grade}"

    def clean(self) -> None:
        # Cross-table rules the database cannot check: the muscle's sides, and
        # that the expression examines the muscle.
        errors = {}
        if self.muscle_id and self.side and not self.muscle.grades_side(self.side):
            sides = "/".join(self.muscle.graded_sides)
            errors["side"] = f"{self.muscle.name} is charted on {sides} only."
        if (
            self.expression_id
            and self.muscle_id
            and not self.expression.muscles.filter(pk=self.muscle_id).exists()
        ):
            errors["muscle"] = f"{self.expression.name} does not examine {self.muscle.name}."
        if self.direction and self.expression_id and self.muscle_id:
            refusal = direction_refusal(
                expression_code=self.expression.code,
                muscle_code=self.muscle.code,
                direction=self.direction,
                graded=self.grade is not None,
                expression_name=self.expression.name,
                muscle_name=self.muscle.name,
            )
            if refusal:
                errors["direction"] = refusal
        if errors:
            raise ValidationError(errors)
