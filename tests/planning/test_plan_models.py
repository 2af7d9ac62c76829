"""The database holds the plan's invariants even when code forgets them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.choices import PlanStatus, VisitKind
from planning.models import InjectionPoint, Muscle
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(patient, injector):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    return make_plan(visit=visit, by=injector)


@pytest.mark.parametrize(
    ("units", "x", "side"),
    [
        ("0", "0.5", "L"),
        ("100.5", "0.5", "L"),
        ("2.3", "0.5", "L"),
        ("4", "1.2", "L"),
        ("4", "0.5", "X"),
    ],
)
def test_point_constraints(plan, units, x, side):
    corr = Muscle.objects.get(code="CORR")
    with pytest.raises(IntegrityError), transaction.atomic():
        InjectionPoint.objects.create(
            plan=plan, muscle=corr, side=side, x=Decimal(x), y=Decimal("0.3"), units=Decimal(units)
        )


def test_a_valid_point_and_a_half_unit_are_stored(plan):
    corr = Muscle.objects.get(code="CORR")
    InjectionPoint.objects.create(
        plan=plan, muscle=corr, side="L", x=Decimal("0.6"), y=Decimal("0.3"), units=Decimal("2.5")
    )
    assert plan.points.get().units == Decimal("2.5")


def test_final_needs_finalized_at(plan):
    plan.status = PlanStatus.FINAL
    with pytest.raises(IntegrityError), transaction.atomic():
        plan.save()
    plan.finalized_at = timezone.now()
    plan.save()
    assert plan.is_final and plan.concentration_per_ml == 40
