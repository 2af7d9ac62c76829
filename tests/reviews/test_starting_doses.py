"""Next cycle's suggestion offered to the plan screen through planning.treatment_history."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from charting.reviews.review import sign_review
from charting.reviews.starting_doses import split_units
from charting.reviews.touchups import add_touch_up
from planning import treatment_history
from planning.models import Muscle, Product
from tests.charting.factories import make_vial
from tests.factories import PASSWORD

from .factories import graded_review, signed_session


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        ("10", 2, ["5", "5"]),
        ("9", 2, ["4.5", "4.5"]),
        ("5", 2, ["2.5", "2.5"]),
        ("4", 3, ["1.5", "1.5", "1"]),
        ("4", 0, []),
    ],
)
def test_split_units_keeps_half_unit_steps_and_the_total(total, parts, expected):
    split = split_units(D(total), parts)
    assert split == [D(e) for e in expected]
    assert sum(split, D("0")) == (D(total) if parts else 0)


@pytest.mark.django_db
def test_the_plan_screen_gets_the_suggestion_per_side_with_points(patient, injector):
    vial = make_vial(by=injector)
    session = signed_session(patient=patient, injector=injector, vial=vial)
    review = graded_review(
        treatment=session, injector=injector, grades={"CORR:L": "2", "CORR:R": "0", "PROC:C": "0"}
    )
    add_touch_up(
        review=review,
        muscle_id=Muscle.objects.get(code="CORR").pk,
        side="L",
        units="2",
        vial_id=vial.pk,
        by=injector,
    )
    sign_review(review=review, by=injector, password=PASSWORD)
    doses = {
        (d.muscle_code, d.side): d
        for d in treatment_history.suggested_doses(patient=patient, product=session.product)
    }
    left = doses[("CORR", "L")]
    assert left.units == D("10") and "touch-up" in left.reason
    assert [p[2] for p in left.points] == [D("5"), D("5")]  # the session's two left points
    assert doses[("CORR", "R")].units == D("8") and doses[("PROC", "C")].units == D("4")
    dysport = Product.objects.get(code="dysport")
    assert treatment_history.suggested_doses(patient=patient, product=dysport) == []  # never mixed


@pytest.mark.django_db
@pytest.mark.parametrize("cycles", [1, 3])
def test_the_plan_screen_offers_next_cycles_dose_in_constant_queries(
    patient, injector, injector_client, cycles, django_assert_num_queries
):
    from tests.planning.helpers import make_plan, make_visit
    from tests.planning.test_plan_page import PLAN_PAGE_QUERIES

    vial = make_vial(by=injector)
    for _ in range(cycles):
        session = signed_session(patient=patient, injector=injector, vial=vial)
        review = graded_review(
            treatment=session,
            injector=injector,
            grades={"CORR:L": "2", "CORR:R": "0", "PROC:C": "0"},
        )
        add_touch_up(
            review=review,
            muscle_id=Muscle.objects.get(code="CORR").pk,
            side="L",
            units="2",
            vial_id=vial.pk,
            by=injector,
        )
        sign_review(review=review, by=injector, password=PASSWORD)
    plan = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector)
    # the plan page's queries, plus four prefetches of the cycles (injections, findings,
    # side effects, touch-ups' injections) once the patient has signed sessions
    with django_assert_num_queries(PLAN_PAGE_QUERIES + 4):
        response = injector_client.get(plan.get_absolute_url())
    html = response.content.decode()
    assert 'data-cycle-dose="CORR-L"' in html and "10 U" in html
    assert html.count('data-x="') == 5  # one button per point of the last session
