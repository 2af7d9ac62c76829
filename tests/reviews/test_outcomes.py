"""The admin outcome summary on a small hand-checked data set, in constant queries."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from charting.reviews.outcomes import outcome_summary
from charting.reviews.review import sign_review
from clinic.roles import Role
from planning.models import Muscle, Product
from tests.factories import (
    PASSWORD,
    PatientFactory,
    UserFactory,
    graded_review,
    make_vial,
    signed_treatment,
    touch_up,
)

pytestmark = pytest.mark.django_db


def cycle(*, injector, product_code="botox-cosmetic", grades, touch_ups=(), signed=True):
    """A new patient's signed treatment of 4 U on each muscle and side of ``grades``
    ({"CORR:L": (baseline, residual)}, the baseline graded frowning), its review
    (signed unless told) and a touch-up of ``touch_ups`` units per point."""
    product = Product.objects.get(code=product_code)
    vial = make_vial(by=injector, product=product)
    treatment = signed_treatment(
        patient=PatientFactory(),
        injector=injector,
        product=product,
        points=[(*key.split(":"), 4) for key in grades],
        baseline={f"FROWN.{key.replace(':', '.')}": base for key, (base, _) in grades.items()},
        vial=vial,
    )
    residual = {key: str(grade) for key, (_, grade) in grades.items()}
    review = graded_review(treatment=treatment, injector=injector, grades=residual)
    for key, units in touch_ups:
        muscle, side = key.split(":")
        touch_up(review=review, vial=vial, by=injector, muscle=muscle, side=side, units=units)
    if signed:
        sign_review(review=review, by=injector, password=PASSWORD)
    return review


@pytest.fixture
def second_injector(location):
    return UserFactory(
        email="second@test.clinic", first_name="Sam", role=Role.INJECTOR, default_location=location
    )


@pytest.fixture
def data_set(injector, second_injector):
    # Botox, injector 1: three signed reviews, two with touch-ups of 2 U each.
    cycle(
        injector=injector, grades={"CORR:L": (3, 2), "CORR:R": (2, 0)}, touch_ups=[("CORR:L", "2")]
    )
    cycle(injector=injector, grades={"CORR:L": (3, 1), "CORR:R": (3, 0)})
    cycle(
        injector=injector, grades={"PROC:C": (2, 1)}, touch_ups=[("PROC:C", "1"), ("PROC:C", "1")]
    )
    # Dysport, injector 2: one review with a 5 U touch-up.
    cycle(
        injector=second_injector,
        product_code="dysport",
        grades={"CORR:L": (3, 0), "CORR:R": (3, 3)},
        touch_ups=[("CORR:R", "5")],
    )
    # Not signed: never counted.
    cycle(injector=injector, grades={"CORR:L": (3, 3)}, touch_ups=[("CORR:L", "9")], signed=False)


def test_outcome_numbers_on_a_hand_checked_set(data_set):
    summary = outcome_summary()
    lines = {(line.product, line.injector.split()[0]): line for line in summary.injectors}
    botox, dysport = lines[("BOTOX Cosmetic", "Ina")], lines[("Dysport", "Sam")]
    assert (botox.reviews, botox.touch_ups, botox.touch_up_rate) == (3, 2, D("67"))
    assert botox.mean_touch_up_units == D("2.0")  # (2 + 1 + 1) / 2 touch-ups
    assert (dysport.reviews, dysport.touch_ups, dysport.touch_up_rate) == (1, 1, D("100"))
    assert dysport.mean_touch_up_units == D("5.0")  # Dysport units, never mixed with Botox
    areas = {(a.product, a.area): (a.graded, a.responders, a.responder_rate) for a in summary.areas}
    corr_region = Muscle.objects.get(code="CORR").region
    proc_region = Muscle.objects.get(code="PROC").region
    assert areas[("BOTOX Cosmetic", corr_region)] == (4, 3, D("75"))
    assert areas[("BOTOX Cosmetic", proc_region)] == (1, 0, D("0"))
    assert areas[("Dysport", corr_region)] == (2, 1, D("50"))
    assert len(areas) == 3


def test_outcome_summary_queries_do_not_grow_with_patients(
    data_set, injector, admin_client, django_assert_num_queries
):
    # 1 reviews per injector and product, 2 touch-up units, 3 findings per area and product
    with django_assert_num_queries(3):
        outcome_summary()
    for _ in range(12):
        cycle(injector=injector, grades={"CORR:L": (3, 0)}, touch_ups=[("CORR:L", "1")])
    with django_assert_num_queries(3):
        summary = outcome_summary()
    assert sum(line.reviews for line in summary.injectors) == 16
    # the page: session, user, groups, the three above, the layout's two location queries
    with django_assert_num_queries(8):
        response = admin_client.get(reverse("reviews:outcomes"))
    assert response.status_code == 200 and b"Dysport" in response.content


def test_outcomes_are_for_clinic_admins(injector_client, desk_client):
    assert injector_client.get(reverse("reviews:outcomes")).status_code == 403
    assert desk_client.get(reverse("reviews:outcomes")).status_code == 403
