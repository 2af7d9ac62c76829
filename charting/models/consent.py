"""Consent: versioned consent texts, and the patient's signed consent for a visit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .locking import SignedRecordError


class ConsentTextQuerySet(models.QuerySet):
    def current(self):
        """The active text with the highest version (what a new consent shows)."""
        return self.filter(is_active=True).order_by("-version").first()


class ConsentText(models.Model):
    """A version of the consent wording, edited by a clinic admin.

    A consent keeps a copy of the exact text it showed (``Consent.text_shown``),
    so editing or retiring a version never changes what a patient signed.
    """

    audit_patient = None  # reference data, audited without a patient (audit.subjects)

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=120)
    body = models.TextField(help_text="Paragraphs separated by a blank line.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gt=0), name="consenttext_version_positive")
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


WITHDRAWAL_FIELDS = frozenset({"withdrawn_at", "withdrawn_by", "withdrawal_reason"})


class ConsentQuerySet(models.QuerySet):
    """A signed consent is a record: only its withdrawal may be added, nothing deleted."""

    def update(self, **kwargs):
        if set(kwargs) - WITHDRAWAL_FIELDS:
            raise SignedRecordError(
                "A signed consent cannot change; withdraw it and take a new one."
            )
        return super().update(**kwargs)

    def delete(self):
        raise SignedRecordError("A signed consent is kept on record; withdraw it instead.")

    def in_force(self):
        return self.filter(withdrawn_at__isnull=True)

    def for_visit(self, visit):
        return self.filter(visit=visit)


class Consent(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"

    visit = models.ForeignKey("planning.Visit", on_delete=models.PROTECT, related_name="consents")
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    text_shown = models.TextField(help_text="The exact wording the patient read and signed.")
    product_name = models.CharField(
        max_length=160,
        blank=True,
        help_text="The product consented to, as named at signing (brand and generic name).",
    )
    areas = models.TextField(help_text="The areas to be treated, one per line.")
    off_label = models.TextField(
        blank=True, help_text="Areas of the plan outside the product's label, one per line."
    )
    signed_name = models.CharField("patient's name as signed", max_length=200)
    # The signature as drawn: a PNG re-encoded from pixels (validated by charting.consent).
    signature_png = models.BinaryField()
    signature_sha256 = models.CharField(max_length=64)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            # At most one consent in force per visit; a withdrawn one stays on record.
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_in_force_per_visit",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | (Q(withdrawn_by__isnull=False) & ~Q(withdrawal_reason="")),
                name="consent_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent of visit {self.visit_id} ({self.signed_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # Once stored, only the withdrawal fields may be written (update_fields says which).
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or set(fields) - WITHDRAWAL_FIELDS):
            raise SignedRecordError(
                "A signed consent cannot change; withdraw it and take a new one."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedRecordError("A signed consent is kept on record; withdraw it instead.")

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None

    @property
    def signature_url(self) -> str:
        return reverse("charting:consent_signature", args=[self.pk])

    @property
    def area_list(self) -> list[str]:
        return [a for a in self.areas.splitlines() if a.strip()]

    @property
    def off_label_list(self) -> list[str]:
        return [a for a in self.off_label.splitlines() if a.strip()]
