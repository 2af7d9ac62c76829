"""Opening visits."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from .choices import VisitKind, VisitStatus
from .models import Visit


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
