"""Histories for the report tests: visits with screening, movement map and plan (invented)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from planning.choices import VisitKind
from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan
from tests.planning.factories import grade, make_visit, screen

# A stronger left corrugator and frontalis: more units on the left.
PLAN = [("CORR", "L", "5"), ("CORR", "R", "3.5"), ("PROC", "C", "4"), ("FRONT", "L", "2.5")]


def make_plan(*, visit, by, product: Product | None = None, points=PLAN) -> TreatmentPlan:
    product = product or Product.objects.order_by("brand").first()
    plan = TreatmentPlan.objects.create(
        visit=visit, product=product, vial_units=100, diluent_ml=Decimal("2.50"), created_by=by
    )
    muscles = {m.code: m for m in Muscle.objects.all()}
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            plan=plan,
            muscle=muscles[code],
            side=side,
            x=Decimal("0.4") if side == "R" else Decimal("0.6"),
            y=Decimal("0.3"),
            units=Decimal(units),
            order=i,
        )
        for i, (code, side, units) in enumerate(points)
    )
    return plan


def make_cycle(*, patient, injector, days_ago: int, notes: str = ""):
    """A treatment visit: screened, mapped (frown and brows) and planned."""
    visit = make_visit(
        patient=patient, injector=injector, days_ago=days_ago, kind=VisitKind.TREATMENT
    )
    screen(visit, injector, allergies=notes)
    grade(
        visit,
        injector,
        {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "BROWS.FRONT.L": 2, "BROWS.FRONT.R": 2},
    )
    make_plan(visit=visit, by=injector)
    return visit


def make_history(*, patient, injector, cycles: int, every_days: int = 100, notes: str = ""):
    return [
        make_cycle(patient=patient, injector=injector, days_ago=every_days * n, notes=notes)
        for n in range(cycles, 0, -1)
    ]


def today():
    return timezone.localdate()


def signed_treatment(*, patient, injector, lot=None):
    """A treatment visit today: consent, chart from the glabellar plan on one vial, signed."""
    from charting.chart import chart_from_plan
    from charting.signing import sign_treatment
    from tests.charting.factories import make_consent, make_lot, make_vial, treatment_visit
    from tests.factories import PASSWORD

    visit, plan = treatment_visit(patient=patient, injector=injector)
    make_consent(visit=visit, plan=plan, by=injector)
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    treatment.injections.update(vial=make_vial(by=injector, lot=lot or make_lot()))
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
