"""Charting's answer to ``planning.treatment_history``: what the patient was given.

Provided from ``ChartingConfig.ready()``. A visit with a signed treatment
counts what was injected (per product); a visit without one counts its final
plan, and a treatment visit counts as toxin given, as planning's own fallback
did: a treatment recorded or planned outside a signed chart still counts, since
for a safety warning (90 days, 400 U) counting too much is the safe side. A
visit is never counted twice (its chart replaces its plan).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, DecimalField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

ZERO = Value(Decimal("0"))


class ChartedTreatments:
    def __init__(self, *, suggest) -> None:
        # Next cycle's suggestions come from the two-week reviews (charting.reviews).
        self.suggest = suggest

    def suggested_doses(self, *, patient, product):
        return self.suggest(patient=patient, product=product)

    def last_toxin_date(self, *, patient, before: datetime.date) -> datetime.date | None:
        """One query: the latest visit before ``before`` that is a signed treatment or a
        treatment visit not cancelled."""
        from planning.models import Visit, VisitKind, VisitStatus

        return (
            Visit.objects.for_patient(patient)
            .before(before)
            .filter(
                Q(treatment__signed_at__isnull=False)
                | (Q(kind=VisitKind.TREATMENT) & ~Q(status=VisitStatus.CANCELLED))
            )
            .aggregate(last=Max("date"))["last"]
        )

    def units_given(
        self, *, patient, product, since: datetime.date, until: datetime.date
    ) -> Decimal:
        """One query. Per visit in the window: the units of its signed treatment when it
        has one; else the units of its final plans (a plan not charted here still counts
        toward the 400 U window: for a safety limit, counting too much is the safe side)."""
        from planning.models import InjectionPoint, PlanStatus, Visit, VisitStatus

        from .models import Injection

        charted = (
            Injection.objects.filter(treatment__visit=OuterRef("pk"), treatment__product=product)
            .values("treatment__visit")
            .annotate(total=Sum("units"))
            .values("total")
        )
        planned = (
            InjectionPoint.objects.filter(
                plan__visit=OuterRef("pk"), plan__product=product, plan__status=PlanStatus.FINAL
            )
            .values("plan__visit")
            .annotate(total=Sum("units"))
            .values("total")
        )
        units = DecimalField(max_digits=8, decimal_places=1)
        given = Case(
            When(
                treatment__signed_at__isnull=False,
                then=Coalesce(Subquery(charted, output_field=units), ZERO, output_field=units),
            ),
            When(status=VisitStatus.CANCELLED, then=ZERO),
            default=Coalesce(Subquery(planned, output_field=units), ZERO, output_field=units),
            output_field=units,
        )
        total = (
            Visit.objects.for_patient(patient)
            .filter(date__gte=since, date__lte=until)
            .annotate(given=given)
            .aggregate(total=Sum("given"))["total"]
        )
        return Decimal(total or 0)
