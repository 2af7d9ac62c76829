"""Charting's answer to ``planning.treatment_history``: what the patient was given.

Provided from ``ChartingConfig.ready()``. Per visit the signed chart counts when
there is one, else its final plan (a plan not charted here still counts: for a
safety limit, counting too much is the safe side); a visit is never counted
twice. A signed chart on a review visit is a touch-up: it counts toward the
ceiling but never starts an interval (it belongs to its cycle).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Sum

from planning.choices import DoseKind, VisitKind
from planning.treatment_history import (
    DoseRecord,
    LastSession,
    final_plan_doses,
    last_main_session_on,
)


class ChartedTreatments:
    def __init__(self, *, suggest, next_cycle) -> None:
        # Next cycle's suggestions and its window come from the cycles (charting.reviews).
        self.suggest = suggest
        self.next_cycle_window = next_cycle

    def suggested_doses(self, *, patient, product):
        return self.suggest(patient=patient, product=product)

    def next_cycle(self, *, patient):
        return self.next_cycle_window(patient=patient)

    def doses(self, *, patient, ingredient, since, until) -> list[DoseRecord]:
        """Two queries: signed charts (touch-ups included) and final plans of visits
        without a signed chart."""
        from .models import Treatment

        signed = (
            Treatment.objects.filter(
                visit__patient=patient,
                signed_at__isnull=False,
                product__generic_name=ingredient,
                visit__date__gte=since,
                visit__date__lte=until,
            )
            .annotate(total=Sum("injections__units"))
            .values_list("pk", "visit_id", "visit__date", "visit__kind", "product__brand", "total")
        )
        records = [
            DoseRecord(
                on,
                total or Decimal("0"),
                brand,
                DoseKind.TOUCH_UP if kind == VisitKind.REVIEW else DoseKind.CHART,
                visit_id,
                pk,
            )
            for pk, visit_id, on, kind, brand, total in signed
        ]
        return records + final_plan_doses(
            patient=patient,
            ingredient=ingredient,
            since=since,
            until=until,
            exclude_signed_visits=True,
        )

    def last_session(self, *, patient, before: datetime.date) -> LastSession | None:
        """The last main session (a signed chart, a treatment visit or a final plan,
        never a review) before ``before``, and the signed touch-up of its cycle (two
        queries)."""
        from .models import Treatment

        on = last_main_session_on(patient, before)
        if on is None:
            return None
        touch_up = (
            Treatment.objects.filter(
                visit__patient=patient,
                visit__kind=VisitKind.REVIEW,
                signed_at__isnull=False,
                visit__date__gte=on,
                visit__date__lt=before,
            )
            .order_by("-visit__date")
            .values_list("visit__date", flat=True)
            .first()
        )
        return LastSession(on, touch_up_on=touch_up)
