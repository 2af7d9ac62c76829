"""The visit (the clinical container) and its screening."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..choices import NotTreatedReason, Outcome, VisitKind, VisitStatus
from .locking import LockedByVisit, LockedByVisitQuerySet, VisitLockedError


class VisitQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def not_cancelled(self):
        return self.exclude(status=VisitStatus.CANCELLED)

    def treatments(self):
        return self.filter(kind=VisitKind.TREATMENT).not_cancelled()

    def before(self, day: datetime.date):
        return self.filter(date__lt=day)

    def with_people(self):
        return self.select_related("patient", "location", "injector")


class Visit(models.Model):
    """A consultation, treatment or review of a patient at a location.

    Screening, movement map, photos, plan, consent and chart hang on it.
    """

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT, related_name="visits")
    location = models.ForeignKey("clinic.Location", on_delete=models.PROTECT, related_name="visits")
    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(default=timezone.localdate)
    kind = models.CharField(
        max_length=20, choices=VisitKind.choices, default=VisitKind.CONSULTATION
    )
    status = models.CharField(max_length=20, choices=VisitStatus.choices, default=VisitStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set by charting.signing.seal when the visit's treatment is signed (never for a
    # touch-up's review visit); from then on the baseline is locked (models.locking).
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=VisitStatus.values), name="visit_status_valid"
            ),
        ]
        indexes = [
            # The patient's visits, newest first (patient page, previous map, 90-day lookups).
            models.Index(fields=["patient", "-date"], name="visit_patient_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d} (visit {self.pk})"

    def save(self, *args, **kwargs):
        # Only lock() writes locked_at: a copy read before signing must not clear it.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if f.name not in ("id", "locked_at")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("planning:visit_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def lock(self, *, at: datetime.datetime) -> None:
        """Lock the visit's baseline (charting.signing.seal, as its treatment is signed)."""
        Visit.objects.filter(pk=self.pk, locked_at__isnull=True).update(locked_at=at)
        self.locked_at = Visit.objects.filter(pk=self.pk).values_list("locked_at", flat=True)[0]

    def refuse_if_locked(self, what: str) -> None:
        """A rule's check before any write: the visit's treatment is signed (read fresh)."""
        if Visit._base_manager.filter(pk=self.pk, locked_at__isnull=False).exists():
            raise VisitLockedError(what)


class ScreeningQuerySet(LockedByVisitQuerySet):
    def latest_first(self):
        return self.order_by("-answered_at", "-id")


class Screening(LockedByVisit):
    """The dated answers to the contraindication questions, for one visit.

    ``answers`` maps each question code of ``planning.screening.QUESTIONS`` to
    true/false. ``outcome`` and ``findings`` record what the rules concluded
    when the screening was taken (``planning.screening.record_screening``), so
    every later screen of the visit shows the same reasons. A screening that
    confirms an earlier one "no change" points to it in ``confirms``.
    """

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"
    locked_what = "screening"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="screenings")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField(default=dict)
    allergies = models.CharField(max_length=300, blank=True)
    medicines = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    confirms = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmations",
        help_text="The earlier screening confirmed 'no change'.",
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    findings = models.JSONField(
        default=list, blank=True, help_text="The rules' findings: code, level, message, source."
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgment = models.TextField(blank=True)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="screening_outcome_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                    | (
                        Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False)
                        & ~Q(acknowledgment="")
                    )
                ),
                name="screening_acknowledgment_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening {self.answered_at:%Y-%m-%d} ({self.get_outcome_display()})"

    @property
    def is_blocked(self) -> bool:
        return self.outcome == Outcome.BLOCK

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def allows_planning(self) -> bool:
        """Clear, or warnings acknowledged; never when blocked."""
        if self.outcome == Outcome.BLOCK:
            return False
        return self.outcome == Outcome.CLEAR or self.is_acknowledged

    def findings_at(self, level: str) -> list[dict]:
        return [f for f in self.findings if f.get("level") == level]


class NotTreated(models.Model):
    """A visit's outcome "not treated today", with its reason: a decision the injector
    records (``planning.not_treated.record_not_treated``), not an abandoned visit. The
    visit is completed by it; the history shows the reason."""

    audit_patient = "visit__patient_id"

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="not_treated")
    reason = models.CharField(max_length=20, choices=NotTreatedReason.choices)
    note = models.TextField(blank=True, max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=NotTreatedReason.values), name="nottreated_reason_valid"
            ),
            models.CheckConstraint(
                condition=~Q(reason=NotTreatedReason.OTHER) | ~Q(note=""),
                name="nottreated_other_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Not treated: {self.get_reason_display()}"
