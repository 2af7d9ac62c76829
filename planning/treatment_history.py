"""What the patient has had before, as planning's rules need it: the one registry
filled at start-up (docs/architecture.md).

Planning sits below charting, yet its dose and interval rules (the screening's
"toxin in the last 90 days", the plan's cumulative ceiling) and the plan
screen's starting doses need the patient's treatments, which charting records.
So planning states what it asks (``TreatmentHistory``) and charting answers,
once, from ``ChartingConfig.ready()``::

    treatment_history.provide(ChartedTreatments(...))

Until then planning's own records answer (``PlannedTreatments``: treatment
visits and their final plans, no suggestions), so planning works on its own.

Dates are inclusive: ``units_given(since=d1, until=d2)`` counts d1 and d2;
``last_toxin_date(before=d)`` looks strictly before d. Only one product at a
time: units of different products are never added, compared or converted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import Q, Sum


@dataclass(frozen=True)
class SuggestedDose:
    """Next cycle's suggested dose of one muscle and side, with its reason and the
    last treatment's points (units summing to ``units``)."""

    muscle_code: str
    side: str
    units: Decimal
    reason: str
    points: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)


class TreatmentHistory(Protocol):
    def last_toxin_date(self, *, patient, before: datetime.date) -> datetime.date | None: ...

    def units_given(
        self, *, patient, product, since: datetime.date, until: datetime.date
    ) -> Decimal: ...

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]: ...


class PlannedTreatments:
    """Planning's own records: treatment visits and visits with a final plan (any
    product), and the units of final plans; no suggestions. The answer until
    charting provides its own."""

    def last_toxin_date(self, *, patient, before: datetime.date) -> datetime.date | None:
        from .models import PlanStatus, Visit, VisitKind

        return (
            Visit.objects.for_patient(patient)
            .not_cancelled()
            .before(before)
            .filter(Q(kind=VisitKind.TREATMENT) | Q(plans__status=PlanStatus.FINAL))
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )

    def units_given(
        self, *, patient, product, since: datetime.date, until: datetime.date
    ) -> Decimal:
        from .models import InjectionPoint, PlanStatus, VisitStatus

        total = (
            InjectionPoint.objects.filter(
                plan__visit__patient=patient,
                plan__product=product,
                plan__status=PlanStatus.FINAL,
                plan__visit__date__gte=since,
                plan__visit__date__lte=until,
            )
            .exclude(plan__visit__status=VisitStatus.CANCELLED)
            .aggregate(total=Sum("units"))["total"]
        )
        return total or Decimal("0")

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]:
        return []


_provider: TreatmentHistory = PlannedTreatments()


def provide(provider: TreatmentHistory) -> TreatmentHistory:
    """Make ``provider`` the one that answers; returns the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def last_toxin_date(*, patient, before: datetime.date) -> datetime.date | None:
    """The latest toxin treatment date of any product before ``before``."""
    return _provider.last_toxin_date(patient=patient, before=before)


def units_given(*, patient, product, since: datetime.date, until: datetime.date) -> Decimal:
    """Units of ``product`` given from ``since`` to ``until`` inclusive."""
    return _provider.units_given(patient=patient, product=product, since=since, until=until)


def suggested_doses(*, patient, product) -> list[SuggestedDose]:
    """Next cycle's suggested doses of ``product`` per muscle and side (none of another)."""
    return _provider.suggested_doses(patient=patient, product=product)
