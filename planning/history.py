"""What the patient has had before: a small registry of history providers.

Planning cannot import charting (dependencies run charting → planning), yet
its rules need the patient's treatments: the screening's "toxin in the last
90 days" and the plan's 400 U window. Apps that record treatments register a
provider (charting does so from ``ChartingConfig.ready()``)::

    from planning import history
    history.register(ChartedTreatments())

``last_toxin_date`` is the latest date any provider knows; ``units_given`` is
the sum over providers. Until some app registers a provider, planning's own
records stand in (``PlannedTreatments``: treatment visits and their final
plans), so planning works on its own; once a provider is registered it alone
answers, and plans are not counted twice with the treatments charted from them.

Dates are inclusive: ``units_given(since=d1, until=d2)`` counts d1 and d2;
``last_toxin_date(before=d)`` looks strictly before d.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Protocol

from django.db.models import Q, Sum


class HistoryProvider(Protocol):
    def last_toxin_date(self, *, patient, before: datetime.date) -> datetime.date | None: ...

    def units_given(
        self, *, patient, product, since: datetime.date, until: datetime.date
    ) -> Decimal: ...


class PlannedTreatments:
    """Planning's own records: treatment visits and visits with a final plan (any
    product), and the units of final plans. The fallback used while no other
    provider is registered."""

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


_providers: list[HistoryProvider] = []
_fallback: HistoryProvider = PlannedTreatments()


def register(provider: HistoryProvider) -> None:
    """Add a provider (idempotent: registering the same class twice keeps one)."""
    if not any(type(p) is type(provider) for p in _providers):
        _providers.append(provider)


def providers() -> list[HistoryProvider]:
    return list(_providers) or [_fallback]


def last_toxin_date(*, patient, before: datetime.date) -> datetime.date | None:
    """The latest toxin treatment date of any product before ``before`` (max over providers)."""
    dates = [p.last_toxin_date(patient=patient, before=before) for p in providers()]
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def units_given(*, patient, product, since: datetime.date, until: datetime.date) -> Decimal:
    """Units of ``product`` given from ``since`` to ``until`` inclusive (sum over providers).
    Only one product at a time: units of different products are never added."""
    return sum(
        (
            p.units_given(patient=patient, product=product, since=since, until=until)
            for p in providers()
        ),
        Decimal("0"),
    )
