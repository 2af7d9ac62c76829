"""The audit log's shared queries: one filter for the list, the export and the
patient's access page."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from clinic.models import Patient

from .models import AuditEvent


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    # Clamp to days whose bounds exist in every time zone (a filter of 9999-12-31
    # would otherwise overflow).
    day = min(max(day, datetime.date(1900, 1, 1)), datetime.date(9999, 12, 30))
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def patient_ids_for(term: str) -> list[int]:
    term = term.strip()
    match = Q(chart_number__iexact=term)
    if term.isdigit() and len(term) < 19:
        match |= Q(pk=int(term))
    return list(Patient.objects.filter(match).values_list("pk", flat=True)[:5])


def filtered_events(
    *,
    patient_ids: list[int] | None = None,
    actor=None,
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor", "patient")
    if patient_ids is not None:
        events = events.filter(patient_id__in=patient_ids)
    if actor is not None:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__gte=day_bounds(date_from)[0])
    if date_to:
        events = events.filter(at__lt=day_bounds(date_to)[1])
    return events.order_by("-seq")


def patient_access(*, patient_id: int, day: datetime.date) -> QuerySet[AuditEvent]:
    """Who opened or changed this patient's records on a day, newest first."""
    start, end = day_bounds(day)
    return (
        AuditEvent.objects.for_patient(patient_id)
        .filter(at__gte=start, at__lt=end)
        .select_related("actor")
        .order_by("-seq")
    )
