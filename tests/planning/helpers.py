"""Small builders for plan tests (factories for the planning objects)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from planning.choices import PlanStatus, VisitKind, VisitStatus
from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan, Visit

from . import factories


def make_visit(*, patient, injector, location=None, days_ago=0, kind=VisitKind.TREATMENT,
               screen=True, answers=None) -> Visit:  # fmt: skip
    """A visit (treatment by default), screened clear unless ``answers`` say otherwise."""
    visit = factories.make_visit(
        patient=patient,
        injector=injector,
        location=location,
        days_ago=days_ago,
        kind=kind,
        status=VisitStatus.OPEN if days_ago == 0 else VisitStatus.COMPLETED,
    )
    if screen:
        factories.screen(visit, injector, yes=[k for k, v in (answers or {}).items() if v])
    return visit


def botox() -> Product:
    return Product.objects.get(code="botox-cosmetic")


def make_plan(*, visit, by, product=None, points=(), final=False, vial=100, diluent="2.50"):
    plan = TreatmentPlan.objects.create(
        visit=visit,
        product=product or botox(),
        vial_units=vial,
        diluent_ml=Decimal(diluent),
        created_by=by,
        status=PlanStatus.FINAL if final else PlanStatus.DRAFT,
        finalized_at=timezone.now() if final else None,
    )
    muscles = {m.code: m for m in Muscle.objects.all()}
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            plan=plan,
            muscle=muscles[code],
            side=side,
            units=Decimal(str(units)),
            x=Decimal("0.4") if side == "R" else Decimal("0.6"),
            y=Decimal("0.3"),
            order=n,
        )
        for n, (code, side, units) in enumerate(points)
    )
    return plan


GLABELLA_20 = [
    ("CORR", "R", 4),
    ("CORR", "R", 4),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]
