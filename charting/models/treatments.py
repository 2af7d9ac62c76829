"""The charted treatment of a visit, its injections, adverse events and addenda."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from planning.choices import Side
from planning.units import on_step, per_point_constraints

from ..choices import AdverseKind, Severity
from .locking import LockedByTreatment, LockedQuerySet, SignedRecordError


class TreatmentQuerySet(LockedQuerySet):
    signed_path = "signed_at"

    def signed(self):
        return self.filter(signed_at__isnull=False)

    def unsigned(self):
        return self.filter(signed_at__isnull=True)

    def for_patient(self, patient):
        return self.filter(visit__patient=patient)

    def for_pages(self):
        return self.select_related(
            "visit__patient", "visit__location", "visit__injector", "product", "signed_by"
        )


class Treatment(models.Model):
    """The charted treatment of a visit: what was actually given."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"

    visit = models.OneToOneField(
        "planning.Visit", on_delete=models.PROTECT, related_name="treatment"
    )
    plan = models.ForeignKey(
        "planning.TreatmentPlan", on_delete=models.PROTECT, related_name="treatments"
    )
    product = models.ForeignKey("planning.Product", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock, +1 per save.")
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    wasted_units = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("400"))],
    )
    aftercare_given = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    review_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The dose checks as they stood at signing (planning.dose_rules), and the injector's
    # written acknowledgment of its warnings; both part of what the signature covers.
    # (Defaults in the database too: bulk loaders such as the bench name no such column.)
    dose_findings = models.JSONField(
        default=list, blank=True, db_default=models.Value([], output_field=models.JSONField())
    )
    dose_acknowledgment = models.TextField(blank=True, default="", db_default="")
    # A touch-up outside days 10-21 after its treatment (charting.review_timing): what
    # the rule said and the injector's written reason, acknowledged when it was added;
    # both part of what the signature covers. Empty for every other treatment.
    timing_finding = models.JSONField(
        default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )
    timing_reason = models.TextField(blank=True, default="", db_default="")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="The seal: HMAC-SHA256 of the signed content under the key seal_key "
        "(plain SHA-256 when seal_key is empty, the old unkeyed seal); charting.seal.",
    )
    # Which shape of the signed content the seal covers (charting.seal.HASH_FORMAT then)
    # and which key of settings.SIGNATURE_KEYS made it. Rows signed before either
    # existed are format 1, unkeyed (the database defaults).
    seal_format = models.PositiveSmallIntegerField(default=1, db_default=1)
    seal_key = models.CharField(max_length=16, blank=True, default="", db_default="")
    # What the signed chart showed, by the ids its rows hold: the product's, the
    # muscles' and the lots' names, the consent's text version (charting.seal.snapshot);
    # part of the signed content, and what a signed chart displays.
    signed_snapshot = models.JSONField(
        default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )

    objects = TreatmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wasted_units__gte=0), name="treatment_wasted_not_negative"
            ),
            models.CheckConstraint(
                condition=on_step("wasted_units"), name="treatment_wasted_half_units"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True, content_hash="")
                | (Q(signed_at__isnull=False, signed_by__isnull=False) & ~Q(content_hash="")),
                name="treatment_signature_complete",
            ),
            models.CheckConstraint(
                condition=Q(review_days__isnull=True)
                | (Q(review_days__gte=10) & Q(review_days__lte=21)),
                name="treatment_review_days_10_to_21",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment of visit {self.visit_id}"

    def save(self, *args, **kwargs):
        self._refuse_if_signed_in_db()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("charting:chart", args=[self.visit_id])

    def delete(self, *args, **kwargs):
        self._refuse_if_signed_in_db()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def _refuse_if_signed_in_db(self) -> None:
        if self.pk and Treatment._base_manager.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise SignedRecordError()


class InjectionQuerySet(LockedQuerySet):
    signed_path = "treatment__signed_at"

    def for_pages(self):
        return self.select_related("muscle", "vial__lot__product", "vial__reconstituted_by")


class Injection(LockedByTreatment):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "treatment__visit__patient_id"

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="injections")
    point = models.ForeignKey(
        "planning.InjectionPoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The planned point it came from; empty for a point added while charting.",
    )
    muscle = models.ForeignKey("planning.Muscle", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=1, choices=Side.choices)
    x = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    y = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    planned_units = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    units = models.DecimalField("units given", max_digits=5, decimal_places=1)
    vial = models.ForeignKey(
        "charting.Vial", null=True, blank=True, on_delete=models.PROTECT, related_name="injections"
    )
    depth = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = InjectionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            *per_point_constraints("units", "injection_units"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="injection_side_valid"),
        ]
        indexes = [
            # The recall search: every injection from the vials of a lot.
            models.Index(fields=["vial", "treatment"], name="injection_vial_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.muscle_id}/{self.side} {self.units} U"


class AdverseEventQuerySet(LockedQuerySet):
    signed_path = "treatment__signed_at"


class AdverseEvent(LockedByTreatment):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "treatment__visit__patient_id"

    treatment = models.ForeignKey(
        Treatment, on_delete=models.CASCADE, related_name="adverse_events"
    )
    kind = models.CharField(max_length=12, choices=AdverseKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MILD)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AdverseEventQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AdverseKind.values), name="adverse_event_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="adverse_event_severity_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=AdverseKind.OTHER) | ~Q(note=""),
                name="adverse_event_other_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_severity_display()})"


class AddendumQuerySet(models.QuerySet):
    """Addenda are written once: never updated, never deleted."""

    def update(self, **kwargs):
        raise SignedRecordError("An addendum cannot be changed; add another one.")

    def delete(self):
        raise SignedRecordError("An addendum cannot be deleted; add another one.")


class Addendum(models.Model):
    """A correction or late note under a signed treatment; the original stays as signed."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "treatment__visit__patient_id"

    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="addenda")
    reason = models.CharField(max_length=200)
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text"),
            models.CheckConstraint(condition=~Q(reason=""), name="addendum_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Addendum {self.pk} to treatment {self.treatment_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SignedRecordError("An addendum cannot be changed; add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedRecordError("An addendum cannot be deleted; add another one.")


class AftercareEmail(models.Model):
    """The patient's summary and aftercare emailed after a signed treatment: one row
    per treatment, so the email goes once however many doors are pressed
    (``reports.summary_email.email_summary``). The address is not kept here."""

    audit_patient = "treatment__visit__patient_id"

    treatment = models.OneToOneField(
        Treatment, on_delete=models.PROTECT, related_name="aftercare_email"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    def __str__(self) -> str:
        return f"Aftercare email of treatment {self.treatment_id}"
