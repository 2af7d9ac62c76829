"""Toxin the patient had elsewhere, as the patient reports it."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .reference import Product


def latest_day(given_on: datetime.date, month_only: bool) -> datetime.date:
    """The latest day a dose may have been given: the day, or the month's last day (the
    safe side for an interval)."""
    if not month_only:
        return given_on
    return given_on.replace(day=calendar.monthrange(given_on.year, given_on.month)[1])


class OutsideDose(models.Model):
    """Toxin given by another clinic (or for another indication), as the patient
    remembers it: a date or only a month, the product and units where known. It
    counts in the interval and ceiling rules like our own records, marked
    "patient-reported" (planning.treatment_history)."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.PROTECT, related_name="outside_doses"
    )
    given_on = models.DateField(
        help_text="The day, or any day of the month when only the month is known."
    )
    month_only = models.BooleanField(default=False, help_text="The patient knows only the month.")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    units = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    where = models.CharField("where / what for", max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units__isnull=True) | Q(units__gt=0), name="outsidedose_units_positive"
            ),
            models.CheckConstraint(
                condition=Q(units__isnull=True) | Q(product__isnull=False),
                name="outsidedose_units_need_product",
            ),
        ]

    def __str__(self) -> str:
        return f"Toxin elsewhere, {self.when_text}"

    @property
    def latest_day(self) -> datetime.date:
        """The latest day it may have been given: the day, or the month's last day (the
        safe side for an interval)."""
        return latest_day(self.given_on, self.month_only)

    @property
    def when_text(self) -> str:
        return f"{self.given_on:%B %Y}" if self.month_only else f"{self.given_on:%b %-d, %Y}"


class OutsideDoseImport(models.Model):
    """One admin's CSV of past toxin treatments, read and checked, waiting to be
    imported (``planning.outside_dose_import``); as ``clinic.PatientImport``: kept
    server-side so the preview survives a reload, one per person, deleted when
    imported or after ``clinic.patient_import.KEEP``. Holds patient data: never
    logged, never in the audit log's detail (the file's hash and counts are)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=40)
    # [{"line": 2, "values": {"chart_number": ...}, "problems": ["..."]}, ...]
    rows = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({len(self.rows)} rows)"

    @property
    def problem_rows(self) -> list[dict]:
        return [row for row in self.rows if row["problems"]]
