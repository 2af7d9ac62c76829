"""Patients: the demographics every role may see."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from ..input_bounds import no_control_characters
from ..search import digits_only, patient_search_filter
from .locations import Location


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def search(self, query: str):
        """Match name fragments, chart number, phone digits or date of birth."""
        return self.filter(patient_search_filter(query))


class Patient(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "pk"

    class Sex(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        OTHER = "X", "Other / non-binary"
        UNKNOWN = "U", "Not stated"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=40, blank=True)
    # The phone's digits, kept for search ("555 0100" finds "(555) 010-0").
    phone_digits = models.CharField(max_length=40, blank=True, editable=False)
    email = models.EmailField(blank=True)
    chart_number = models.CharField(
        max_length=20,
        unique=True,
        help_text="The clinic's own number for this patient; unique in the clinic.",
    )
    home_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="patients"
    )
    front_desk_notes = models.TextField(
        blank=True, help_text="Booking notes only (preferred times, parking). No clinical detail."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # The patient list orders by name; the duplicate check looks up name + DOB.
            models.Index(Lower("last_name"), Lower("first_name"), name="patient_name_idx"),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
            models.Index(fields=["phone_digits"], name="patient_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.chart_number})"

    def save(self, *args, **kwargs):
        # A derived search column, not a rule: kept in step with the phone.
        self.phone_digits = digits_only(self.phone)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("patient_detail", args=[self.pk])

    def clean(self):
        # Every door (the desk's form, create_patient, the Django admin) runs full_clean.
        errors = {}
        for name in ("chart_number", "first_name", "last_name", "phone", "email"):
            try:
                no_control_characters(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        try:
            no_control_characters(self.front_desk_notes, multiline=True)
        except ValidationError as exc:
            errors["front_desk_notes"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())
