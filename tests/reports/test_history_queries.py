"""The history builder loads a patient's record in a constant number of queries."""

from __future__ import annotations

import pytest

from reports.history import build_history
from tests.charting.factories import make_lot
from tests.reports.factories import make_history, signed_treatment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("cycles", [1, 12])
def test_history_queries_do_not_grow_with_the_record(
    cycles, patient, injector, django_assert_num_queries
):
    make_history(patient=patient, injector=injector, cycles=cycles)
    lot = make_lot()
    for _ in range(cycles):
        signed_treatment(patient=patient, injector=injector, lot=lot)
    # 1 visits (location, injector joined), 2 their screenings, 3 map observations
    # (map joined), 4 muscles, 5 expressions, 6 plans (product joined), 7 plan points
    # (muscle joined), 8 treatments (product, plan, signer joined), 9 injections
    # (muscle, vial, lot joined), 10 adverse events, 11 addenda.
    with django_assert_num_queries(11):
        context = build_history(patient=patient)
    assert len(context["cycles"]) == 2 * cycles
    assert sum(1 for c in context["cycles"] if c.treatment) == cycles
    cycle = context["cycles"][cycles - 1]
    assert cycle.screening is not None and cycle.plans[0]["grand"]["total"] == 15
    corrugator = next(r for r in cycle.map_rows if r.muscle.code == "CORR")
    assert corrugator.strongest == {"L": 3, "R": 2} and corrugator.difference == 1
