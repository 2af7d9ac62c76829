"""Invented demo plans and the clinic's plan templates (called from planning.demo.seed).
Idempotent: templates by name, plans one per demo visit."""

from __future__ import annotations

import datetime
from decimal import Decimal

from clinic.patients import chart_number_for

from .choices import PlanStatus, VisitKind
from .face import HEIGHT, WIDTH
from .models import Muscle, PlanTemplate, PlanTemplatePoint, Product, TreatmentPlan, Visit
from .plan_points import PointInput
from .plans import _replace_points, run_checks
from .screening import screening_state

# Points in diagram coordinates (viewBox 400 × 520), the patient's right side first;
# the left side mirrors it (x → 400 − x).
GLABELLA = [("CORR", "R", 152, 153, 4), ("CORR", "R", 178, 160, 4), ("PROC", "C", 200, 172, 4)]
GLABELLA += [("CORR", "L", 248, 153, 4), ("CORR", "L", 222, 160, 4)]
CROWS_FEET = [("OOC", s, x, y, 4) for s, x in (("R", 102), ("L", 298)) for y in (182, 204, 226)]
DYSPORT_GLABELLA = [(m, s, x, y, 10) for m, s, x, y, _ in GLABELLA]

TEMPLATES = [
    ("botox-cosmetic", "Glabella 20 U (BOTOX Cosmetic label)", "5 sites × 4 U", GLABELLA),
    ("botox-cosmetic", "Crow's feet 24 U (BOTOX Cosmetic label)", "3 × 4 U per side", CROWS_FEET),
    (
        "botox-cosmetic",
        "Glabella + crow's feet 44 U",
        "Label glabellar and lateral canthal patterns together",
        GLABELLA + CROWS_FEET,
    ),
    ("dysport", "Glabella 50 U (Dysport label)", "5 sites × 10 U", DYSPORT_GLABELLA),
    ("xeomin", "Glabella 20 U (Xeomin label)", "5 sites × 4 U", GLABELLA),
]

# The stronger left corrugator gets one more unit per site.
ASYMMETRIC_GLABELLA = [(m, s, x, y, 5 if s == "L" else u) for m, s, x, y, u in GLABELLA]
# the demo patient's number (clinic.patients.chart_number_for), visit kind, points: a
# final plan on the patient's first such visit of the demo's story (planning.demo).
PLANS = [
    (1, VisitKind.TREATMENT, GLABELLA + CROWS_FEET),
    (2, VisitKind.TREATMENT, ASYMMETRIC_GLABELLA),
]


def _inputs(rows, muscles) -> list[PointInput]:
    return [
        PointInput(
            muscle=muscles[code],
            side=side,
            x=Decimal(x / WIDTH).quantize(Decimal("0.0001")),
            y=Decimal(y / HEIGHT).quantize(Decimal("0.0001")),
            units=Decimal(units),
        )
        for code, side, x, y, units in rows
    ]


def seed_plans(out, *, injector) -> None:
    muscles = {m.code: m for m in Muscle.objects.all()}
    products = {p.code: p for p in Product.objects.all()}
    made_templates = 0
    for product_code, name, description, rows in TEMPLATES:
        template, created = PlanTemplate.objects.get_or_create(
            product=products[product_code],
            name=name,
            defaults={"description": description, "created_by": injector},
        )
        if created:
            made_templates += 1
            PlanTemplatePoint.objects.bulk_create(
                PlanTemplatePoint(template=template, order=n, **vars(p))
                for n, p in enumerate(_inputs(rows, muscles))
            )
    made_plans = 0
    for chart, kind, rows in PLANS:
        visit = (
            Visit.objects.filter(patient__chart_number=chart_number_for(chart), kind=kind)
            .order_by("date")
            .first()
        )
        if visit is None or visit.plans.exists():
            continue
        plan = TreatmentPlan.objects.create(
            visit=visit,
            product=products["botox-cosmetic"],
            vial_units=100,
            diluent_ml=Decimal("2.50"),
            created_by=injector,
        )
        points = _inputs(rows, muscles)
        _replace_points(plan, points)
        checks = run_checks(
            plan=plan, points=list(plan.points.all()), screening=screening_state(visit=visit)
        )
        plan.findings = [c.as_dict() for c in checks]
        plan.status = PlanStatus.FINAL
        plan.finalized_at = visit.created_at + datetime.timedelta(minutes=15)  # at the visit
        plan.finalized_by = injector
        plan.save()
        made_plans += 1
    out.write(
        f"planning: {made_templates} new plan templates, {made_plans} new demo plans "
        f"({TreatmentPlan.objects.count()} plans)"
    )
