"""Bench treatment plans (issue 5): one final plan per treatment visit, 10-40
injection points; the latest treatment's plan has 40 (the page we measure)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from planning.choices import PlanStatus
from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan

from . import rows

UNITS = [Decimal("2"), Decimal("2.5"), Decimal("4"), Decimal("5")]
MOST_POINTS = 40


class PlanContext:
    def __init__(self):
        self.products = list(Product.objects.filter(is_active=True).order_by("pk")[:3])
        self.cells = [(m.pk, side) for m in Muscle.objects.all() for side in m.sides]


def make_plans(*, cycles, ctx, rng: random.Random, counts) -> list:
    """cycles: (patient, treatment visit, cycle index, latest?) tuples. Returns them
    with the plan added, for the apps that chart from it."""
    plan_ctx = ctx.extra.setdefault("plans", PlanContext())
    plans = []
    for _patient, visit, _index, latest in cycles:
        product = plan_ctx.products[visit.pk % len(plan_ctx.products)]
        at = ctx.at(visit.date, 9, 40)
        plans.append(
            TreatmentPlan(
                visit=visit,
                product=product,
                status=PlanStatus.FINAL,
                vial_units=(product.vial_sizes or [100])[-1],
                diluent_ml=Decimal("2.5"),
                created_by=visit.injector,
                created_at=at,
                finalized_at=at + datetime.timedelta(minutes=5),
                finalized_by=visit.injector,
                findings=[],
            )
        )
        plans[-1].point_count = MOST_POINTS if latest else rng.randint(10, MOST_POINTS)
    rows.create(TreatmentPlan, plans)
    counts.extra["plans"] = counts.extra.get("plans", 0) + len(plans)

    def point_rows():
        for plan in plans:
            for order in range(plan.point_count):
                muscle_id, side = plan_ctx.cells[rng.randrange(len(plan_ctx.cells))]
                yield (
                    plan.pk, muscle_id, side,
                    Decimal(rng.randint(1000, 9000)) / 10000,
                    Decimal(rng.randint(1000, 9000)) / 10000,
                    UNITS[rng.randrange(len(UNITS))], "", "", order,
                )  # fmt: skip

    counts.extra["injection points"] = counts.extra.get("injection points", 0) + rows.copy_rows(
        InjectionPoint,
        ["plan", "muscle", "side", "x", "y", "units", "depth", "note", "order"],
        point_rows(),
    )
    return [(*cycle, plan) for cycle, plan in zip(cycles, plans, strict=True)]
