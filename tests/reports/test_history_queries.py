"""The history builder loads a patient's record in a constant number of queries."""

from __future__ import annotations

import pytest

from charting.reports.patient_history import build_history
from tests.factories import make_history, make_vial, signed_treatment, touched_up_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cycles", [1, 12])
def test_history_queries_do_not_grow_with_the_record(
    cycles, patient, injector, django_assert_num_queries
):
    make_history(patient=patient, injector=injector, cycles=cycles)
    touch_up_vial = make_vial(by=injector)
    grades = {"CORR:L": "1", "CORR:R": "0", "PROC:C": "0"}
    for _ in range(cycles):  # each treatment signed, reviewed, 2 U more on the left corrugator
        treatment = signed_treatment(patient=patient, injector=injector)
        touched_up_review(treatment=treatment, injector=injector, vial=touch_up_vial, grades=grades)
    # 1 visits (location, injector joined), 2 their screenings, 3 map observations
    # (map joined), 4 muscles, 5 expressions, 6 plans (product joined), 7 plan points
    # (muscle joined), 8 treatments (product, plan, signer joined), 9 injections
    # (muscle, vial, lot joined), 10 adverse events, 11 addenda, and the signed
    # reviews (joined to the treatments): 12 findings, 13 side effects, 14 touch-up
    # injections, 15 the final plans' points, for the departures from them, 16 the
    # visits' consents, for the signatures checked over the stored values, 17 the
    # touch-ups' adverse events and 18 their visits' consents, for the touch-ups'
    # seals, 19 the final plans' kept segments (muscle joined), hatched on each
    # diagram (reports.treatments.with_rows).
    with django_assert_num_queries(19):
        context = build_history(patient=patient)
    assert len(context["visits"]) == 3 * cycles  # planned, treated, reviewed
    assert sum(1 for c in context["visits"] if c.treatment) == cycles
    assert all(c.review["touch_up_units"] == 2 for c in context["visits"] if c.treatment)
    cycle = context["visits"][cycles - 1]
    assert cycle.screening is not None and cycle.plans[0]["grand"]["total"] == 15
    corrugator = next(r for r in cycle.map_rows if r.muscle.code == "CORR")
    assert corrugator.strongest == {"L": 3, "R": 2} and corrugator.difference == 1
