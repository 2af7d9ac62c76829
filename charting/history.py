"""The charting app's answer to ``planning.history``: what the patient was given.

Registered from ``ChartingConfig.ready()``. Units come from signed treatments
only (what was actually injected, per product). The last toxin date is the
latest signed treatment, or a treatment visit not cancelled (a treatment
recorded before charting began still counts: for a safety warning, erring on
the side of warning is right).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Max, Sum


class ChartedTreatments:
    def last_toxin_date(self, *, patient, before: datetime.date) -> datetime.date | None:
        from planning.models import Visit

        from .models import Treatment

        signed = (
            Treatment.objects.signed()
            .for_patient(patient)
            .filter(visit__date__lt=before)
            .aggregate(last=Max("visit__date"))["last"]
        )
        visited = (
            Visit.objects.treatments()
            .for_patient(patient)
            .before(before)
            .aggregate(last=Max("date"))["last"]
        )
        known = [d for d in (signed, visited) if d is not None]
        return max(known) if known else None

    def units_given(
        self, *, patient, product, since: datetime.date, until: datetime.date
    ) -> Decimal:
        from .models import Injection

        total = Injection.objects.filter(
            treatment__signed_at__isnull=False,
            treatment__visit__patient=patient,
            treatment__product=product,
            treatment__visit__date__gte=since,
            treatment__visit__date__lte=until,
        ).aggregate(total=Sum("units"))["total"]
        return total or Decimal("0")
