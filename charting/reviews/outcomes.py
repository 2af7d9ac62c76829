"""The clinic's outcome summary for admins: responders, touch-ups, by injector and product.

Only signed reviews count. Units are averaged per product and never across
products. Three queries, whatever the number of patients:

1. signed reviews per injector and product, with how many had a signed touch-up;
2. touch-up units per injector and product;
3. graded findings with a baseline per area (muscle region) and product, with
   how many were responders (REFERENCE.md: 0 or 1 after and ≥ 2 grades better).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum

from charting.models import Injection

from .models import Finding, Review

RESPONDER = Q(grade__lte=1) & Q(baseline_grade__gte=F("grade") + 2)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class InjectorLine:
    injector: str
    product: str
    reviews: int
    touch_ups: int
    touch_up_units: Decimal

    @property
    def touch_up_rate(self) -> Decimal | None:
        return _percent(self.touch_ups, self.reviews)

    @property
    def mean_touch_up_units(self) -> Decimal | None:
        """Mean units per touch-up given (of this product only)."""
        if not self.touch_ups:
            return None
        return (self.touch_up_units / self.touch_ups).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class AreaLine:
    area: str
    product: str
    graded: int
    responders: int

    @property
    def responder_rate(self) -> Decimal | None:
        return _percent(self.responders, self.graded)


@dataclass(frozen=True)
class OutcomeSummary:
    injectors: list[InjectorLine]
    areas: list[AreaLine]


def outcome_summary() -> OutcomeSummary:
    injector = "treatment__visit__injector"
    reviews = (
        Review.objects.signed()
        .values(
            f"{injector}_id",
            f"{injector}__first_name",
            f"{injector}__last_name",
            "treatment__product_id",
            "treatment__product__brand",
        )
        .annotate(
            n=Count("id"),
            touched=Count("id", filter=Q(touch_up__signed_at__isnull=False)),
        )
    )  # query 1
    units = {
        (row["injector"], row["product"]): row["units"]
        for row in Injection.objects.filter(treatment__touch_up_of__signed_at__isnull=False)
        .values(
            injector=F("treatment__touch_up_of__treatment__visit__injector_id"),
            product=F("treatment__product_id"),
        )
        .annotate(units=Sum("units"))
    }  # query 2
    injectors = sorted(
        (
            InjectorLine(
                injector=f"{r[f'{injector}__first_name']} {r[f'{injector}__last_name']}",
                product=r["treatment__product__brand"],
                reviews=r["n"],
                touch_ups=r["touched"],
                touch_up_units=units.get(
                    (r[f"{injector}_id"], r["treatment__product_id"]), Decimal("0")
                ),
            )
            for r in reviews
        ),
        key=lambda line: (line.product, line.injector),
    )
    areas = sorted(
        (
            AreaLine(
                area=r["muscle__region"],
                product=r["review__treatment__product__brand"],
                graded=r["n"],
                responders=r["responders"],
            )
            for r in Finding.objects.filter(
                review__signed_at__isnull=False, baseline_grade__isnull=False
            )
            .values("muscle__region", "review__treatment__product__brand")
            .annotate(n=Count("id"), responders=Count("id", filter=RESPONDER))
        ),  # query 3
        key=lambda line: (line.product, line.area),
    )
    return OutcomeSummary(injectors=injectors, areas=areas)
