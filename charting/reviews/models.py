"""The two-week review: residual movement, outcome, side effects.

A ``Review`` lives on a review visit (``planning.Visit``, kind review) and
follows one signed ``charting.Treatment`` (the cycle's treatment). The
touch-up is not a model of its own: it is a ``charting.Treatment`` on the
review visit (``touch_up``), so charting's lot, vial, units and lock rules hold
for it unchanged (docs/architecture.md, "Two-week review").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from charting import review_timing
from planning.choices import Grade, Side

from .choices import Gais, NextStepKind, NextStepStatus, Satisfaction, SideEffectKind


class ReviewQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(signed_at__isnull=False)

    def for_patient(self, patient):
        return self.filter(visit__patient=patient)

    def for_pages(self):
        return self.select_related(
            "visit__patient",
            "visit__location",
            "visit__injector",
            "treatment__product",
            "treatment__visit__location",
            "signed_by",
        )


class Review(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"

    visit = models.OneToOneField("planning.Visit", on_delete=models.PROTECT, related_name="review")
    treatment = models.OneToOneField(
        "charting.Treatment",
        on_delete=models.PROTECT,
        related_name="review",
        help_text="The signed treatment this review follows (one review per treatment).",
    )
    touch_up = models.OneToOneField(
        "charting.Treatment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touch_up_of",
        help_text="The touch-up charted at the review: a treatment on the review visit.",
    )
    gais = models.PositiveSmallIntegerField(
        "global improvement (GAIS)", choices=Gais.choices, null=True, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(
        "patient satisfaction", choices=Satisfaction.choices, null=True, blank=True
    )
    note = models.TextField(blank=True)
    early_reason = models.TextField(
        blank=True,
        default="",
        db_default="",  # bulk loaders (the bench) name no such column
        help_text="Why the review was opened before day 10 (charting.review_timing).",
    )
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock, +1 per save.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gais__isnull=True) | Q(gais__gte=1, gais__lte=5),
                name="review_gais_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=7),
                name="review_satisfaction_1_to_7",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="review_signature_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of treatment {self.treatment_id}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def day_text(self) -> str:
        """ "Day 14 after treatment on 2 Dec" (needs ``treatment__visit__location``)."""
        return review_timing.day_text(treatment=self.treatment, on=self.visit.date)

    @property
    def is_early(self) -> bool:
        return review_timing.is_early(treatment=self.treatment, on=self.visit.date)


class Finding(models.Model):
    """Residual movement of one treated muscle on one side at the review (0–3)."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "review__visit__patient_id"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    muscle = models.ForeignKey("planning.Muscle", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    grade = models.PositiveSmallIntegerField("residual grade", choices=Grade.choices)
    baseline_grade = models.PositiveSmallIntegerField(
        choices=Grade.choices,
        null=True,
        blank=True,
        help_text="The strongest grade of the baseline movement map, kept as seen at the review.",
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["muscle__order", "side"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "muscle", "side"], name="finding_one_per_muscle_side"
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=0, grade__lte=3), name="finding_grade_0_to_3"
            ),
            models.CheckConstraint(
                condition=Q(baseline_grade__isnull=True)
                | Q(baseline_grade__gte=0, baseline_grade__lte=3),
                name="finding_baseline_0_to_3",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="finding_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side}: {self.grade}"


class SideEffect(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "review__visit__patient_id"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="side_effects")
    kind = models.CharField(max_length=20, choices=SideEffectKind.choices)
    muscle = models.ForeignKey(
        "planning.Muscle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The muscle it points at, when known.",
    )
    side = models.CharField(max_length=1, choices=Side.choices, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SideEffectKind.values), name="side_effect_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(side="") | Q(side__in=Side.values), name="side_effect_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="side_effect_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SideEffectKind.OTHER) | ~Q(note=""),
                name="side_effect_other_has_note",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class NextStepQuerySet(models.QuerySet):
    def to_book(self):
        return self.filter(status=NextStepStatus.OPEN)

    def for_patient(self, patient):
        return self.filter(patient=patient)


class NextStep(models.Model):
    """A staged next step that is not toxin (filler, resurfacing, skin care, a referral),
    recorded by the injector at the review with its due date (``reviews.next_steps``).

    ``detail`` is clinical (e.g. "refer: brow ptosis from laxity, surgical opinion"):
    clinical roles only. The front desk's list shows the patient, the kind and the due
    date, so it knows what to book and when."""

    audit_patient = "patient_id"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="next_steps")
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.PROTECT, related_name="next_steps"
    )
    kind = models.CharField(max_length=20, choices=NextStepKind.choices)
    detail = models.TextField(max_length=500, blank=True)
    refer_to = models.CharField(
        max_length=120,
        blank=True,
        help_text="For a referral: to whom, e.g. 'oculoplastic surgeon'.",
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=NextStepStatus.choices, default=NextStepStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)

    objects = NextStepQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NextStepKind.values), name="nextstep_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NextStepStatus.values), name="nextstep_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=NextStepKind.REFERRAL) | ~Q(detail=""),
                name="nextstep_referral_has_reason",
            ),
        ]
        indexes = [
            # The front desk's list: open steps by due date.
            models.Index(fields=["status", "due_on"], name="nextstep_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on:%Y-%m-%d}"
