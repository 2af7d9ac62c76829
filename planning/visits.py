"""Opening visits, and the patient's latest ones."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .choices import VisitKind, VisitStatus
from .models import Screening, Visit

RECENT_VISITS = 8


@transaction.atomic
def start_consultation(
    *, patient, injector, location, by, on: datetime.date | None = None
) -> Visit:
    """Open a consultation for the patient today, or return the one already open.

    A second tap on "start consultation" must not make a second visit.
    """
    day = on or timezone.localdate()
    existing = (
        Visit.objects.select_for_update()
        .filter(patient=patient, date=day, kind=VisitKind.CONSULTATION, status=VisitStatus.OPEN)
        .first()
    )
    if existing is not None:
        return existing
    return Visit.objects.create(
        patient=patient,
        injector=injector,
        location=location,
        date=day,
        kind=VisitKind.CONSULTATION,
        created_by=by,
    )


def recent_visits(*, patient) -> list[Visit]:
    """The patient's latest visits, each with the outcome of its latest screening
    (``screening_outcome``; one query)."""
    latest_outcome = (
        Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
    )
    return list(
        Visit.objects.filter(patient=patient)
        .select_related("injector", "location", "not_treated")
        .annotate(screening_outcome=Subquery(latest_outcome))
        .order_by("-date", "-id")[:RECENT_VISITS]
    )
