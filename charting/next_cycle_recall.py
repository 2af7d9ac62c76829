"""Recall to the next cycle: treated 3 to 4 months ago and nothing booked.

"Last treatment" is the later of the patient's last completed treatment
appointment and the last treatment signed in charting (a touch-up belongs to its
cycle), so patients booked and treated before they were charted here count too.
"""

from __future__ import annotations

import calendar
import datetime

from django.db.models import DateTimeField, Exists, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from clinic.models import Appointment, Location, Patient
from planning.choices import VisitKind

from .models import Treatment

NEVER = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def patients_due_back(
    *, today: datetime.date, location: Location | None = None, now: datetime.datetime | None = None
):
    """Patients last treated between 4 and 3 months before ``today``, unbooked (one query)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    window_start = datetime.datetime.combine(months_before(today, 4), datetime.time(), zone)
    window_end = datetime.datetime.combine(
        months_before(today, 3) + datetime.timedelta(days=1), datetime.time(), zone
    )
    # The start of the patient's last signed treatment of a treatment visit (a touch-up
    # belongs to its cycle).
    last_signed_treatment = (
        Treatment.objects.signed()
        .filter(visit__patient=OuterRef("pk"), visit__kind=VisitKind.TREATMENT)
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    booked_later = Appointment.objects.filter(
        patient=OuterRef("pk"), status=Appointment.Status.BOOKED, starts_at__gte=now
    )
    patients = (
        Patient.objects.active()
        .annotate(
            last_treated=Greatest(
                Coalesce(
                    Max(
                        "appointments__starts_at",
                        filter=Q(
                            appointments__kind=Appointment.Kind.TREATMENT,
                            appointments__status=Appointment.Status.COMPLETED,
                        ),
                    ),
                    Value(NEVER),
                    output_field=DateTimeField(),
                ),
                Coalesce(
                    Subquery(last_signed_treatment, output_field=DateTimeField()),
                    Value(NEVER),
                    output_field=DateTimeField(),
                ),
            ),
            booked=Exists(booked_later),
        )
        .filter(last_treated__gte=window_start, last_treated__lt=window_end, booked=False)
        .select_related("home_location")
        .order_by("last_treated", "last_name")
    )
    if location is not None:
        patients = patients.filter(home_location=location)
    return patients
