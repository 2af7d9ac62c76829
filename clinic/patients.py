"""Rules about patient records that span more than one row."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet

from .models import Patient


def possible_duplicates(
    *, first_name: str, last_name: str, date_of_birth: datetime.date, exclude_id: int | None = None
) -> QuerySet[Patient]:
    """Patients with the same name (ignoring case) and the same date of birth."""
    found = Patient.objects.filter(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
    )
    if exclude_id:
        found = found.exclude(pk=exclude_id)
    return found


def next_chart_number() -> str:
    """The next free chart number of the form C-000123."""
    last = (
        Patient.objects.filter(chart_number__regex=r"^C-[0-9]{6}$")
        .order_by("-chart_number")
        .values_list("chart_number", flat=True)
        .first()
    )
    number = int(last[2:]) + 1 if last else 1
    return f"C-{number:06d}"


@transaction.atomic
def create_patient(*, data: dict) -> Patient:
    patient = Patient(**data)
    if not patient.chart_number:
        patient.chart_number = next_chart_number()
    patient.full_clean()
    patient.save()
    return patient
