"""Two tabs decide units for one patient at once (issue 16, bad input): a plan finalized
in one while another same-day plan is finalized in the other, on two connections. The
patient is locked while the dose rules check (planning.dose_rules.lock_patient), so the
second waits, sees the first and is refused by the ceiling: the 400 U cannot be split
across two tabs. Seen to fail (both finalized) with the lock taken out of finalize_plan."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from planning.choices import PlanStatus, VisitKind
from planning.models import TreatmentPlan
from planning.plans import finalize_plan
from planning.screening import screening_state
from tests.charting.test_dose_rules import HEAVY, inputs
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_tabs_cannot_split_the_ceiling(injector, patient):
    plans = []
    for _ in range(2):
        visit = make_visit(
            patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True
        )
        plans.append(make_plan(visit=visit, by=injector, points=[]))
    first_checked = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def finalize(plan):
        return finalize_plan(
            plan=plan,
            points=inputs(HEAVY),
            expected_version=plan.version,
            by=injector,
            acknowledgment="Discussed.",
            screening=screening_state(visit=plan.visit),
        )

    def first_tab():
        try:
            with transaction.atomic():
                results["first"] = finalize(plans[0])
                first_checked.wait()
                threading.Event().wait(0.5)  # the other tab is now checking
        except Exception as exc:  # reported below
            results["first"] = exc
        finally:
            connection.close()

    def second_tab():
        try:
            first_checked.wait()
            results["second"] = finalize(plans[1])
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_tab), threading.Thread(target=second_tab)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert isinstance(results["first"], tuple), results["first"]
    assert isinstance(results["second"], ValidationError), results["second"]
    assert "484 U of onabotulinumtoxinA" in " ".join(results["second"].messages)
    statuses = sorted(TreatmentPlan.objects.values_list("status", flat=True))
    assert statuses == [PlanStatus.DRAFT, PlanStatus.FINAL]
