"""The history builder loads a patient's record in a constant number of queries."""

from __future__ import annotations

import pytest

from charting.reports.patient_history import build_history
from charting.reviews.review import sign_review
from charting.reviews.touchups import add_touch_up
from planning.models import Muscle
from tests.charting.factories import make_lot, make_vial
from tests.factories import PASSWORD
from tests.reports.factories import make_history, signed_treatment
from tests.reviews.factories import graded_review

pytestmark = pytest.mark.django_db


def review_with_touch_up(*, session, injector, vial):
    """A signed review of the session: 2 U more on the left corrugator."""
    grades = {"CORR:L": "1", "CORR:R": "0", "PROC:C": "0"}
    review = graded_review(treatment=session, injector=injector, grades=grades)
    corrugator = Muscle.objects.get(code="CORR")
    add_touch_up(
        review=review, muscle_id=corrugator.pk, side="L", units="2", vial_id=vial.pk, by=injector
    )
    sign_review(review=review, by=injector, password=PASSWORD)


@pytest.mark.parametrize("cycles", [1, 12])
def test_history_queries_do_not_grow_with_the_record(
    cycles, patient, injector, django_assert_num_queries
):
    make_history(patient=patient, injector=injector, cycles=cycles)
    lot = make_lot()
    vial = make_vial(lot=lot, by=injector)
    for _ in range(cycles):
        session = signed_treatment(patient=patient, injector=injector, lot=lot)
        review_with_touch_up(session=session, injector=injector, vial=vial)
    # 1 visits (location, injector joined), 2 their screenings, 3 map observations
    # (map joined), 4 muscles, 5 expressions, 6 plans (product joined), 7 plan points
    # (muscle joined), 8 treatments (product, plan, signer joined), 9 injections
    # (muscle, vial, lot joined), 10 adverse events, 11 addenda, and the signed
    # reviews (joined to the treatments): 12 findings, 13 side effects, 14 touch-up
    # injections (reports.treatments.with_rows).
    with django_assert_num_queries(14):
        context = build_history(patient=patient)
    assert len(context["visits"]) == 3 * cycles  # planned, treated, reviewed
    assert sum(1 for c in context["visits"] if c.treatment) == cycles
    assert all(c.review["touch_up_units"] == 2 for c in context["visits"] if c.treatment)
    cycle = context["visits"][cycles - 1]
    assert cycle.screening is not None and cycle.plans[0]["grand"]["total"] == 15
    corrugator = next(r for r in cycle.map_rows if r.muscle.code == "CORR")
    assert corrugator.strongest == {"L": 3, "R": 2} and corrugator.difference == 1
