"""A point written while its plan is being made final in another transaction (two
connections, raw SQL: the app's own rules lock the plan first). The points' trigger
reads the plan FOR SHARE, so the write waits for the finalizing to commit, then sees
the plan final and is refused (planning/0016). Seen red with the trigger reading the
plan without FOR SHARE: the point was written, and the final plan had six."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from planning.models import InjectionPoint
from tests.factories import GLABELLAR, make_plan, make_visit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_point_written_beside_the_finalizing_is_refused(injector, patient):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's")
    plan = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector,
                     points=GLABELLAR)  # fmt: skip
    finalizing = threading.Event()
    results: dict[str, object] = {}

    def finalize():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE planning_treatmentplan SET status = 'final', finalized_at = %s "
                    "WHERE id = %s",
                    [timezone.now(), plan.pk],
                )
                finalizing.set()
                threading.Event().wait(0.8)  # the other writes meanwhile
            results["finalize"] = "committed"
        except Exception as exc:  # reported below
            results["finalize"] = exc
        finally:
            connection.close()

    def write_point():
        try:
            finalizing.wait(10)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE planning_injectionpoint SET units = 1 WHERE plan_id = %s", [plan.pk]
                )
            results["point"] = "written"
        except Exception as exc:
            results["point"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=finalize), threading.Thread(target=write_point)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results["finalize"] == "committed"
    assert isinstance(results["point"], DatabaseError), results["point"]
    assert "is final" in str(results["point"])
    assert sorted(p.units for p in InjectionPoint.objects.filter(plan=plan)) == [4] * 5
