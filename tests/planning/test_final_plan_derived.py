"""What the plan page makes from a final plan's kept points alone (its plain rows of
points and totals, ``planning.final_points.derived``; issue 22, seventeenth session) is
made once and made again whenever what it shows can have changed.

Doors, each seen on the page: the second view (taken as made), a muscle renamed in the
admin (the reference data's version moves on commit), a muscle renamed while the shared
cache missed the change (the reference data reloaded after its age), a changed dilution
(refused by the rules; written here on the row), and a plan whose points are not kept
(a draft, a note: made every view). The dose checks around the kept rows are worked out
on every view (another final plan that day is a new finding while the rows stay kept).
Committed for real (the reference cache keeps nothing read inside a transaction)."""

import re

import pytest
from django.db import connection, transaction
from django.utils import timezone

from planning import final_points, reference_cache
from planning.access import get_plan_for
from planning.choices import VisitKind
from planning.models import InjectionPoint, Muscle, TreatmentPlan
from tests.factories import GLABELLAR, make_plan, make_visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TOKEN = re.compile(r'(csrfmiddlewaretoken" value|data-csrf|nonce|data-session-[a-z-]+)="[^"]*"')


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the kept points are PostgreSQL's (its triggers keep them true)")


def _final_plan(patient, injector):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    return make_plan(visit=visit, by=injector, points=GLABELLAR, final=True)


def _page(response) -> str:
    assert response.status_code == 200
    return TOKEN.sub("csrf", response.content.decode())


def finalize_plan_row(plan) -> None:
    TreatmentPlan.objects.filter(pk=plan.pk).update(status="final", finalized_at=timezone.now())


def test_rows_are_made_once_and_again_when_what_they_show_changes(
    postgres, injector_client, injector, patient
):
    """Seen red with the rows kept by the plan alone in final_points (a _Kept field):
    the renamed muscle, then the reloaded name, then the new volume were not shown."""
    plan = _final_plan(patient, injector)
    url = plan.get_absolute_url()
    reference_cache.bump()
    final_points.clear()
    first = injector_client.get(url)
    second = injector_client.get(url)
    assert second.context["rows_shown"] is first.context["rows_shown"]
    assert second.context["points"] is first.context["points"]
    assert 'data-testid="total-volume">0.50 mL' in _page(second)

    # The dose checks around kept rows are worked out again: another final plan of the
    # same ingredient that day is a new finding on the next view, the rows still kept.
    codes = set(re.findall(r'data-code="([^"]+)"', _page(second)))
    other = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    make_plan(visit=other, by=injector, points=[("MASS", "L", 100), ("MASS", "R", 100)] * 2,
              final=True)  # fmt: skip
    checked = injector_client.get(url)
    assert checked.context["rows_shown"] is second.context["rows_shown"]
    assert set(re.findall(r'data-code="([^"]+)"', _page(checked))) - codes

    procerus = Muscle.objects.get(code="PROC")
    procerus.name = "Procerus (renamed)"
    procerus.save()  # the admin's door: the reference version moves on commit
    renamed = injector_client.get(url)
    assert renamed.context["rows_shown"] is not second.context["rows_shown"]
    assert "Procerus (renamed)" in _page(renamed)

    # A change the shared cache never heard of (a bump lost while it was down): the
    # reference data is reloaded after its age, and the rows with it.
    Muscle.objects.filter(code="PROC").update(name="Procerus (reloaded)")
    reference_cache._local.entries["__loaded__"] -= reference_cache.MAX_AGE_SECONDS + 1
    assert "Procerus (reloaded)" in _page(injector_client.get(url))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE planning_treatmentplan SET diluent_ml = 1 WHERE id = %s", [plan.pk])
    diluted = _page(injector_client.get(url))
    assert 'data-testid="total-volume">0.20 mL' in diluted
    assert "Procerus (reloaded)" in diluted


def test_nothing_is_kept_for_a_plan_whose_points_are_not_kept(postgres, patient, injector):
    """A draft, and a final plan with a point's note (typed text: its points never kept),
    make what is derived on every call; a kept final plan once."""
    draft = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector,
                      points=GLABELLAR)  # fmt: skip
    noted = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector,
                      points=GLABELLAR)  # fmt: skip
    InjectionPoint.objects.filter(plan=noted, order=0).update(note="Bruises easily")
    finalize_plan_row(noted)
    plan = _final_plan(patient, injector)
    reference_cache.bump()
    final_points.clear()
    for unkept in (draft, get_plan_for(injector, noted.pk)):
        made = []
        for _ in range(2):
            final_points.derived(unkept, ("panel",), lambda made=made: made.append(1) or 1)
        assert made == [1, 1]
    get_plan_for(injector, plan.pk)
    assert final_points.derived(plan, ("panel",), lambda: "first") == "first"
    assert final_points.derived(plan, ("panel",), lambda: "second") == "first"
    with transaction.atomic():  # read inside a transaction: made each time
        assert final_points.derived(plan, ("panel",), lambda: "third") == "third"
