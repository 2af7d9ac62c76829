"""Bench treatment plans (issue 5): one final plan per treatment visit, 10-40
injection points; the latest treatment's plan has 40 (the page we measure)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db.models import F

from planning.choices import PlanStatus
from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan

from . import rows

UNITS = [Decimal("2"), Decimal("2.5"), Decimal("4"), Decimal("5")]
MOST_POINTS = 40
DILUENT_ML = Decimal("2.5")
PLAN_FIELDS = [
    "id", "visit", "product", "status", "vial_units", "diluent_ml", "version", "created_by",
    "created_at", "updated_at", "finalized_at", "finalized_by", "notes", "acknowledgment",
    "findings",
]  # fmt: skip
POINT_FIELDS = ["plan", "muscle", "side", "x", "y", "units", "depth", "note", "order"]


def vial_units(product) -> int:
    return (product.vial_sizes or [100])[-1]


class PlanContext:
    def __init__(self):
        self.products = list(Product.objects.filter(is_active=True).order_by("pk")[:3])
        self.cells = [(m.pk, side) for m in Muscle.objects.order_by("pk") for side in m.sides]


def make_plans(*, cycles, ctx, rng: random.Random, counts, triggers_off: bool = True) -> None:
    """A final plan for each cycle (``cycle.plan_id``, ``product``, ``point_count`` set).
    With the database's triggers on (``rows.fast_load``), the plans are written as drafts
    and made final once their points are in, as the app does (a final plan's points
    never change: planning/0016)."""
    plan_ctx = ctx.extra.setdefault("plans", PlanContext())
    final = PlanStatus.FINAL.value if triggers_off else PlanStatus.DRAFT.value
    ids = rows.reserve_ids(TreatmentPlan, len(cycles))
    plan_rows, no_findings = [], rows.json([])
    for cycle, pk in zip(cycles, ids, strict=True):
        product = plan_ctx.products[cycle.visit_id % len(plan_ctx.products)]
        cycle.plan_id, cycle.product = pk, product
        cycle.point_count = MOST_POINTS if cycle.latest else rng.randint(10, MOST_POINTS)
        at = ctx.at(cycle.day, 9, 40)
        done = at + datetime.timedelta(minutes=5)
        plan_rows.append(
            (
                pk, cycle.visit_id, product.pk, final, vial_units(product),
                DILUENT_ML, 1, cycle.injector_id, at, done, done if triggers_off else None,
                cycle.injector_id, "", "",
                no_findings,
            )
        )  # fmt: skip
    counts.add("plans", rows.copy_rows(TreatmentPlan, PLAN_FIELDS, plan_rows))
    if not ids:
        return
    if rows.postgres():
        # Set-based on the server: for each plan its number of points, each at a
        # random cell of the face with one of the usual doses.
        rows.execute("SELECT setseed(%s)", [rng.random() * 2 - 1])
        muscles, sides = zip(*plan_ctx.cells, strict=True)
        written = rows.execute(
            """
            INSERT INTO planning_injectionpoint
                (plan_id, muscle_id, side, x, y, units, depth, note, "order")
            SELECT plan_id, (%s::bigint[])[cell], (%s::text[])[cell],
                   round((0.1 + random() * 0.8)::numeric, 4),
                   round((0.1 + random() * 0.8)::numeric, 4),
                   (%s::numeric[])[1 + floor(random() * %s)::int], '', '', n
            FROM (
                SELECT plan.id AS plan_id, n, 1 + floor(random() * %s)::int AS cell
                FROM unnest(%s::bigint[], %s::int[]) AS plan(id, points),
                     generate_series(0, plan.points - 1) AS n
            ) AS drawn
            ORDER BY plan_id, n
            """,
            [
                list(muscles), list(sides), UNITS, len(UNITS), len(muscles),
                ids, [c.point_count for c in cycles],
            ],
        )  # fmt: skip
    else:
        written = rows.copy_rows(InjectionPoint, POINT_FIELDS, point_rows(cycles, plan_ctx, rng))
    counts.add("injection points", written)
    if not triggers_off:  # final once the points are in, when it was saved last
        TreatmentPlan.objects.filter(pk__in=ids).update(
            status=PlanStatus.FINAL, finalized_at=F("updated_at")
        )


def point_rows(cycles, plan_ctx: PlanContext, rng: random.Random):
    cells = plan_ctx.cells
    for cycle in cycles:
        for order in range(cycle.point_count):
            muscle_id, side = cells[rng.randrange(len(cells))]
            yield (
                cycle.plan_id, muscle_id, side,
                Decimal(rng.randint(1000, 9000)) / 10000,
                Decimal(rng.randint(1000, 9000)) / 10000,
                UNITS[rng.randrange(len(UNITS))], "", "", order,
            )  # fmt: skip
