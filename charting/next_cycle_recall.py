"""Recall to the next cycle: due by the areas treated (``charting.recall_timing``), nothing booked.

"Last treatment" is the later of the patient's last completed treatment
appointment and the last treatment signed in charting (a touch-up belongs to its
cycle), so patients booked and treated before they were charted here count too.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict

from django.db.models import DateTimeField, Exists, Max, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from clinic.models import Appointment, Location, Patient
from planning.choices import VisitKind

from . import recall_timing
from .models import Injection, Treatment

NEVER = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


def months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_treated_patients(*, today: datetime.date, location: Location | None = None, now=None):
    """Active patients last treated from ``LOOK_BACK_DAYS`` to 90 days before ``today``
    (nobody is due sooner: the 90-day interval), with nothing booked (one query)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    window_start = datetime.datetime.combine(
        today - datetime.timedelta(days=recall_timing.LOOK_BACK_DAYS), datetime.time(), zone
    )
    window_end = datetime.datetime.combine(
        today - datetime.timedelta(days=recall_timing.MIN_INTERVAL_DAYS - 1), datetime.time(), zone
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


def patients_due_back(
    *, today: datetime.date, location: Location | None = None, now: datetime.datetime | None = None
) -> list[Patient]:
    """Unbooked patients whose recall window (``charting.recall_timing``) holds
    ``today``, each with its ``recall`` window, soonest first.

    Queries (constant): 1 the candidates, 2 their signed treatments, 3 those
    treatments' injections, 4-5 the effect durations and their muscles.
    """
    candidates = list(last_treated_patients(today=today, location=location, now=now))
    if not candidates:
        return []
    treatments = (
        Treatment.objects.signed()
        .filter(visit__patient__in=candidates, visit__kind=VisitKind.TREATMENT)
        .select_related("visit")
        .prefetch_related(
            Prefetch("injections", queryset=Injection.objects.only("treatment_id", "muscle_id"))
        )
        .order_by("started_at")
    )
    by_patient: dict[int, list[Treatment]] = defaultdict(list)
    for treatment in treatments:
        by_patient[treatment.visit.patient_id].append(treatment)
    table = recall_timing.DurationTable.load()
    due = []
    for patient in candidates:
        patient.recall = cycle_recall(
            last_treated=patient.last_treated, treatments=by_patient[patient.pk], table=table
        )
        if patient.recall.contains(today):
            due.append(patient)
    due.sort(key=lambda p: (p.recall.opens, p.last_name, p.pk))
    return due


def cycle_recall(
    *, last_treated: datetime.datetime, treatments: list[Treatment], table
) -> recall_timing.RecallWindow:
    """The recall window of the cycle that started at ``last_treated``; ``treatments``
    are the patient's signed main treatments, oldest first (their days are the
    cycles; the one on ``last_treated``'s day gives the areas and the product)."""
    treated_on = timezone.localdate(last_treated)
    days = [timezone.localdate(t.started_at) for t in treatments]
    last = next(
        (t for t in reversed(treatments) if timezone.localdate(t.started_at) == treated_on), None
    )
    return recall_timing.recall_window(
        treated_on=treated_on,
        product_id=last.product_id if last else None,
        muscle_ids={i.muscle_id for i in last.injections.all()} if last else (),
        cycle_days=[*days, treated_on],
        table=table,
    )
