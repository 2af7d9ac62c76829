"""What the patient has had before, as planning's rules need it: the one registry
filled at start-up (docs/architecture.md).

Planning sits below charting, yet its dose and interval rules (the screening's
"toxin in the last 90 days", the cumulative ceiling) and the plan screen's
starting doses need the patient's treatments, which charting records. So
planning states what it asks (``TreatmentHistory``) and charting answers, once,
from ``ChartingConfig.ready()``::

    treatment_history.provide(ChartedTreatments(...))

Until then planning's own records answer (``PlannedTreatments``: final plans, no
suggestions), so planning works on its own. Toxin the patient had elsewhere
(``OutsideDose``, patient-reported) is planning's own record and is added here to
whichever provider answers.

The rules' inputs (issue 16):

- ``doses(...)``: per visit the signed chart if there is one, else its final
  plan (never both), touch-ups (charts on review visits) and patient-reported
  doses, of one active ingredient (``Product.generic_name``: units of different
  ingredients are never added), dated, from ``since`` to ``until`` inclusive.
- ``last_session(...)``: the last main session (a treatment, never a touch-up:
  a touch-up belongs to its cycle and does not restart the interval) strictly
  before a day, with the touch-up of its cycle when there was one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import Exists, OuterRef, Q, Sum

from .choices import DoseKind


@dataclass(frozen=True)
class SuggestedDose:
    """Next cycle's suggested dose of one muscle and side, with its reason and the
    last treatment's points (units summing to ``units``)."""

    muscle_code: str
    side: str
    units: Decimal
    reason: str
    points: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)


class NextCycle(Protocol):
    """When the patient's next cycle is due, as charting's recall rule says
    (``charting.recall_timing.RecallWindow``): from ``opens`` to ``closes``, why."""

    treated_on: datetime.date
    opens: datetime.date
    closes: datetime.date
    basis: str


@dataclass(frozen=True)
class DoseRecord:
    """Units of one ingredient given (or to be given) on one day, and what says so."""

    on: datetime.date
    units: Decimal | None  # None: patient-reported without a figure
    brand: str
    kind: str  # DoseKind
    visit_id: int | None = None
    record_id: int | None = None  # the plan, treatment or outside dose

    @property
    def label(self) -> str:
        units = "units unknown" if self.units is None else f"{Decimal(self.units).normalize():f} U"
        return f"{DoseKind(self.kind).label} of {self.on:%b %-d, %Y}, {units} {self.brand}"


@dataclass(frozen=True)
class LastSession:
    """The last main session before a day; ``touch_up_on``: its cycle's touch-up."""

    on: datetime.date
    reported: bool = False
    touch_up_on: datetime.date | None = None

    def describe(self) -> str:
        what = "toxin elsewhere (patient-reported)" if self.reported else "the last treatment"
        text = f"{what} on {self.on:%b %-d, %Y}"
        if self.touch_up_on:
            text += f" (its touch-up on {self.touch_up_on:%b %-d} belongs to that cycle)"
        return text


class TreatmentHistory(Protocol):
    def doses(
        self, *, patient, ingredient: str, since: datetime.date, until: datetime.date
    ) -> list[DoseRecord]: ...

    def last_session(self, *, patient, before: datetime.date) -> LastSession | None: ...

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]: ...

    def next_cycle(self, *, patient) -> NextCycle | None: ...


def final_plan_doses(*, patient, ingredient, since, until, exclude_signed_visits: bool):
    """Final plans of visits not cancelled, per plan (one query); with
    ``exclude_signed_visits`` not those of a visit with a signed chart (the chart counts)."""
    from .models import PlanStatus, TreatmentPlan, VisitStatus

    plans = (
        TreatmentPlan.objects.filter(
            visit__patient=patient,
            status=PlanStatus.FINAL,
            product__generic_name=ingredient,
            visit__date__gte=since,
            visit__date__lte=until,
        )
        .exclude(visit__status=VisitStatus.CANCELLED)
        .annotate(total=Sum("points__units"))
    )
    if exclude_signed_visits:
        plans = plans.exclude(visit__treatment__signed_at__isnull=False)
    return [
        DoseRecord(on, total or Decimal("0"), brand, DoseKind.PLAN, visit_id, pk)
        for pk, visit_id, on, brand, total in plans.values_list(
            "pk", "visit_id", "visit__date", "product__brand", "total"
        )
    ]


def last_main_session_on(patient, before: datetime.date) -> datetime.date | None:
    """The day of the last visit that is a main session (not a review: its touch-up is
    part of the cycle) before ``before``: not cancelled and a treatment visit or with a
    final plan (one query)."""
    from .models import PlanStatus, TreatmentPlan, Visit, VisitKind, VisitStatus

    final_plan = TreatmentPlan.objects.filter(visit=OuterRef("pk"), status=PlanStatus.FINAL)
    return (
        Visit.objects.for_patient(patient)
        .before(before)
        .exclude(kind=VisitKind.REVIEW)
        .exclude(status=VisitStatus.CANCELLED)
        .filter(Q(kind=VisitKind.TREATMENT) | Exists(final_plan))
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


class PlannedTreatments:
    """Planning's own records: final plans and treatment visits; no suggestions. The
    answer until charting provides its own."""

    def doses(self, *, patient, ingredient, since, until) -> list[DoseRecord]:
        return final_plan_doses(
            patient=patient,
            ingredient=ingredient,
            since=since,
            until=until,
            exclude_signed_visits=False,
        )

    def last_session(self, *, patient, before) -> LastSession | None:
        on = last_main_session_on(patient, before)
        return LastSession(on) if on else None

    def suggested_doses(self, *, patient, product) -> list[SuggestedDose]:
        return []

    def next_cycle(self, *, patient) -> NextCycle | None:
        return None


_provider: TreatmentHistory = PlannedTreatments()


def provide(provider: TreatmentHistory) -> TreatmentHistory:
    """Make ``provider`` the one that answers; returns the one it replaces."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def reported(patient, *, since=None, until=None):
    """The patient's outside doses (patient-reported), any ingredient (one query)."""
    from .models import OutsideDose

    rows = OutsideDose.objects.filter(patient=patient).select_related("product")
    if since is not None:
        rows = rows.filter(given_on__gte=since.replace(day=1))
    if until is not None:
        rows = rows.filter(given_on__lte=until)
    return list(rows)


def doses(*, patient, ingredient: str, since: datetime.date, until: datetime.date, outside=None):
    """Every dose of ``ingredient`` from ``since`` to ``until`` inclusive, ours and
    patient-reported (reported doses of an unknown product are listed with no units:
    the rules name them; a month-only date counts as the month's last day).
    ``outside``: the patient's outside doses when already fetched (``reported``)."""
    records = _provider.doses(patient=patient, ingredient=ingredient, since=since, until=until)
    if outside is None:
        outside = reported(patient, since=since, until=until)
    for dose in outside:
        on = dose.latest_day
        if not since <= on <= until:
            continue
        if dose.product is None:
            records.append(
                DoseRecord(on, None, "product unknown", DoseKind.REPORTED, None, dose.pk)
            )
        elif dose.product.generic_name == ingredient:
            brand = dose.product.brand
            records.append(DoseRecord(on, dose.units, brand, DoseKind.REPORTED, None, dose.pk))
    return sorted(records, key=lambda r: (r.on, r.kind))


def last_session(*, patient, before: datetime.date, outside=None) -> LastSession | None:
    """The last main session of any product strictly before ``before``, ours or
    patient-reported, whichever is later (``outside``: as for ``doses``)."""
    ours = _provider.last_session(patient=patient, before=before)
    if outside is None:
        outside = reported(patient, until=before)
    outside = [o.latest_day for o in outside if o.latest_day < before]
    if outside and (ours is None or max(outside) > ours.on):
        return LastSession(max(outside), reported=True)
    return ours


def last_toxin_date(*, patient, before: datetime.date) -> datetime.date | None:
    """The date of the last main session of any product before ``before``."""
    session = last_session(patient=patient, before=before)
    return session.on if session else None


def suggested_doses(*, patient, product) -> list[SuggestedDose]:
    """Next cycle's suggested doses of ``product`` per muscle and side (none of another)."""
    return _provider.suggested_doses(patient=patient, product=product)


def next_cycle(*, patient) -> NextCycle | None:
    """When the patient's next cycle is due (charting's one recall rule); None without a
    signed treatment or a provider."""
    return _provider.next_cycle(patient=patient)
