"""Rules about patient records that span more than one row."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from .errors import RuleError
from .models import Patient

# Tries at a free chart number when other desks take the next one at the same moment.
CHART_NUMBER_ATTEMPTS = 5
TAKEN = "This chart number is already taken; leave it empty to give the next free number."


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


def date_of_birth_problem(date_of_birth: datetime.date, *, today: datetime.date) -> str | None:
    """What is wrong with a date of birth, or None (the new-patient form, the import)."""
    if date_of_birth > today:
        return "The date of birth is in the future."
    if date_of_birth.year < today.year - 120:
        return "Check the year: that is more than 120 years ago."
    return None


def chart_number_for(number: int) -> str:
    """The clinic's chart number ``number`` (settings CHART_NUMBER_PREFIX and
    CHART_NUMBER_WIDTH): C-000123. The one scheme: new patients get the next one, the
    demo's patients are numbered by it."""
    return f"{settings.CHART_NUMBER_PREFIX}-{number:0{settings.CHART_NUMBER_WIDTH}d}"


# The demo's patients are the clinic's chart numbers 1 to 40 (clinic/demo.py); the
# planning and charting demos name them by number.
DEMO_PATIENTS = 40


def demo_chart_numbers() -> list[str]:
    return [chart_number_for(n) for n in range(1, DEMO_PATIENTS + 1)]


def next_chart_number() -> str:
    """The next free chart number of the clinic's scheme (``chart_number_for``)."""
    prefix, width = settings.CHART_NUMBER_PREFIX, settings.CHART_NUMBER_WIDTH
    last = (
        Patient.objects.filter(chart_number__regex=rf"^{re.escape(prefix)}-[0-9]{{{width}}}$")
        .order_by("-chart_number")
        .values_list("chart_number", flat=True)
        .first()
    )
    return chart_number_for(int(last[len(prefix) + 1 :]) + 1 if last else 1)


def _chart_number_clash(error: IntegrityError) -> bool:
    return "chart_number" in str(error)


@transaction.atomic
def create_patient(*, data: dict) -> Patient:
    """Saves a new patient; an empty chart number gets the next free one.

    Desks creating patients at the same moment read the same highest number: the
    unique index lets one insert win and the others try again (each try in a
    savepoint) with the number after it. A chart number typed in that another desk
    has just taken is refused with a message for the field (``RuleError``)."""
    given = bool(data.get("chart_number"))
    for attempt in range(1, CHART_NUMBER_ATTEMPTS + 1):
        patient = Patient(**data)
        if not given:
            patient.chart_number = next_chart_number()
        # The unique index decides between desks; the numbering is this function's.
        patient.full_clean(exclude=None if given else ["chart_number"])
        try:
            with transaction.atomic():
                patient.save()
        except IntegrityError as error:
            if not _chart_number_clash(error):
                raise
            if given or attempt == CHART_NUMBER_ATTEMPTS:
                raise RuleError(TAKEN, field="chart_number") from error
            continue
        return patient
    raise AssertionError("unreachable")
