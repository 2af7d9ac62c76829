"""A final plan's points never change, and the plan page reads them once per process
(issue 22, sixteenth session: ``planning.final_points``, migration ``planning/0016``).

Doors of the rule "a final plan's points never change", each refused:

- the rules: ``planning.plans.save_plan`` / ``finalize_plan`` of a final plan (and the
  plan editor's POST, tests/planning/test_plan_save.py);
- the ORM and raw SQL on PostgreSQL (the triggers): a point of a final plan inserted,
  updated, deleted or moved to or from it; the plan made a draft again, or its
  ``finalized_at`` changed; the demo data and the test factories make a plan final
  only once its points are in.

Doors of the read "the kept points are the plan's points": the plan page (first view,
second view, a second tab), the live preview and the other plan doors that read
through ``planning.access.get_plan_for``, a plan whose point has a note (typed text:
never kept), a plan whose row no longer matches what was kept (read whole again), and
the dose checks computed on every view around kept points.
(What is made from the kept points: tests/planning/test_final_plan_derived.py.)"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from planning import final_points
from planning.access import get_plan_for
from planning.choices import VisitKind
from planning.models import InjectionPoint, Muscle, TreatmentPlan
from planning.plan_points import PointInput
from planning.plans import finalize_plan, save_plan
from tests.factories import GLABELLAR, make_plan, make_visit
from tests.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers, and the kept points, are PostgreSQL's")


def _final_plan(patient, injector, points=GLABELLAR):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    return make_plan(visit=visit, by=injector, points=points, final=True)


def _sql(sql, params) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- the rule: a final plan's points never change ------------------------------------

WRITES = {
    "point update": ("UPDATE planning_injectionpoint SET units = 1 WHERE plan_id = %s", 1),
    "point delete": ("DELETE FROM planning_injectionpoint WHERE plan_id = %s", 1),
    "point insert": (
        "INSERT INTO planning_injectionpoint (plan_id, muscle_id, side, x, y, units, depth, "
        "note, \"order\") SELECT plan_id, muscle_id, side, 0.5, 0.9, 2, depth, '', 99 "
        "FROM planning_injectionpoint WHERE plan_id = %s LIMIT 1",
        1,
    ),
    "point moved off": (
        "UPDATE planning_injectionpoint SET plan_id = %s WHERE plan_id = %s",
        2,  # (the draft's id, the final plan's id)
    ),
    "point moved on": (
        "UPDATE planning_injectionpoint SET plan_id = %s WHERE plan_id = %s",
        -2,  # (the final plan's id, the draft's id)
    ),
    "plan reopened": (
        "UPDATE planning_treatmentplan SET status = 'draft', finalized_at = NULL WHERE id = %s",
        1,
    ),
    "finalized_at changed": (
        "UPDATE planning_treatmentplan SET finalized_at = finalized_at - interval '1 day' "
        "WHERE id = %s",
        1,
    ),
}


def _params(kind, final, draft):
    return {1: [final.pk], 2: [draft.pk, final.pk], -2: [final.pk, draft.pk]}[kind]


@pytest.mark.parametrize("door", list(WRITES))
def test_raw_sql_cannot_change_a_final_plans_points(postgres, patient, injector, door):
    """Seen red with the points' trigger left out of planning/0016 (every point door
    wrote) and with the plan's trigger left out (the plan was reopened)."""
    final = _final_plan(patient, injector)
    draft = make_plan(visit=final.visit, by=injector, points=[("MASS", "L", 10)])
    sql, kind = WRITES[door]
    with pytest.raises(DatabaseError, match="is final"):
        _sql(sql, _params(kind, final, draft))
    stored = TreatmentPlan.objects.get(pk=final.pk)
    assert stored.is_final and stored.finalized_at == final.finalized_at
    assert sorted(p.units for p in stored.points.all()) == [Decimal(4)] * 5


@pytest.mark.parametrize("door", ["update", "delete", "bulk_create"])
def test_the_orm_cannot_change_a_final_plans_points(postgres, patient, injector, door):
    final = _final_plan(patient, injector)
    points = InjectionPoint.objects.filter(plan=final)
    writes = {
        "update": lambda: points.update(units=1),
        "delete": lambda: points.delete(),
        "bulk_create": lambda: InjectionPoint.objects.bulk_create(
            [
                InjectionPoint(
                    plan=final,
                    muscle=Muscle.objects.get(code="MASS"),
                    side="L",
                    x=Decimal("0.2"),
                    y=Decimal("0.8"),
                    units=Decimal(5),
                )
            ]
        ),  # fmt: skip
    }
    with pytest.raises(DatabaseError, match="is final"), transaction.atomic():
        writes[door]()
    assert points.count() == 5


def test_a_draft_and_a_final_plans_own_notes_still_change(postgres, patient, injector):
    """The triggers refuse only what the kept read relies on."""
    final = _final_plan(patient, injector)
    draft = make_plan(visit=final.visit, by=injector, points=[("MASS", "L", 10)])
    assert _sql("UPDATE planning_injectionpoint SET units = 12 WHERE plan_id = %s", [draft.pk])
    assert _sql("UPDATE planning_treatmentplan SET notes = 'x' WHERE id = %s", [final.pk])
    assert _sql(
        "UPDATE planning_treatmentplan SET status = 'final', finalized_at = now() WHERE id = %s",
        [draft.pk],
    )


def test_the_rules_refuse_a_final_plan(patient, injector):
    final = _final_plan(patient, injector)
    point = PointInput(muscle="MASS", side="L", x=Decimal("0.2"), y=Decimal("0.8"), units=5)
    for rule in (save_plan, finalize_plan):
        kwargs = {"by": injector} if rule is finalize_plan else {}
        with pytest.raises(ValidationError, match="final"):
            rule(plan=final, points=[point], expected_version=final.version, **kwargs)


# --- the read: the kept points are the plan's points ----------------------------------


def _points(plan):
    return [
        (p.pk, p.muscle.code, p.side, p.x, p.y, p.units, p.depth, p.note, p.order, p.plan.pk)
        for p in plan.points.all()
    ]


def _stored(plan):
    return [
        (p.pk, p.muscle.code, p.side, p.x, p.y, p.units, p.depth, p.note, p.order, p.plan_id)
        for p in InjectionPoint.objects.filter(plan=plan).select_related("muscle")
        .order_by("order", "id")
    ]  # fmt: skip


def test_a_final_plans_points_are_read_once(postgres, patient, injector):
    """The second read asks no more of the points (a statement without them) and makes
    rows equal to the stored ones, its own each time (a view's change to one is not the
    next view's). Seen red with the kept points keyed by the plan alone, not its
    ``finalized_at`` and version (the test below read the old points)."""
    plan = _final_plan(patient, injector)
    final_points.clear()
    first = get_plan_for(injector, plan.pk)
    with CaptureQueriesContext(connection) as captured:
        second = get_plan_for(injector, plan.pk)
    queries = [q["sql"] for q in captured.captured_queries]
    assert queries and not [q for q in queries if "planning_injectionpoint" in q], queries
    assert _points(first) == _points(second) == _stored(plan)
    assert all(p.plan is second for p in second.points.all())
    assert not {id(p) for p in first.points.all()} & {id(p) for p in second.points.all()}
    types = [(type(p.x), type(p.units)) for p in second.points.all()]
    assert set(types) == {(Decimal, Decimal)}


def test_a_plan_that_no_longer_matches_is_read_whole(postgres, patient, injector):
    """A database restored under a running process (here: the triggers switched off by
    the database's owner) gives a plan another finalization: its points are read again."""
    plan = _final_plan(patient, injector)
    final_points.clear()
    get_plan_for(injector, plan.pk)
    tamper("UPDATE planning_injectionpoint SET units = 3 WHERE plan_id = %s", [plan.pk])
    tamper(
        "UPDATE planning_treatmentplan SET finalized_at = %s WHERE id = %s",
        [timezone.now(), plan.pk],
    )
    again = get_plan_for(injector, plan.pk)
    assert [p.units for p in again.points.all()] == [Decimal(3)] * 5
    assert _points(again) == _stored(plan)


def test_a_plan_with_a_point_note_is_read_every_time(postgres, patient, injector):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    InjectionPoint.objects.filter(plan=plan, order=0).update(note="Bruises easily")
    TreatmentPlan.objects.filter(pk=plan.pk).update(status="final", finalized_at=timezone.now())
    final_points.clear()
    get_plan_for(injector, plan.pk)
    with CaptureQueriesContext(connection) as captured:
        again = get_plan_for(injector, plan.pk)
    assert "planning_injectionpoint" in captured.captured_queries[0]["sql"]
    assert "Bruises easily" in [p.note for p in again.points.all()]
    assert plan.pk not in final_points._kept


def test_a_draft_is_read_whole_every_time(postgres, patient, injector):
    plan = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector,
                     points=GLABELLAR)  # fmt: skip
    final_points.clear()
    get_plan_for(injector, plan.pk)
    assert plan.pk not in final_points._kept


def test_the_plan_page_shows_kept_points_with_checks_of_the_moment(
    postgres, injector_client, injector, patient
):
    """First view, second view (kept points) and a second tab show the same points;
    another final plan of the same ingredient that day changes the dose checks of the
    kept plan on its next view."""
    plan = _final_plan(patient, injector)
    url = plan.get_absolute_url()
    final_points.clear()
    first = injector_client.get(url)
    assert plan.pk in final_points._kept
    second = injector_client.get(url)
    assert len(first.context["points"]) == len(second.context["points"]) == 5
    assert _page(first) == _page(second)
    assert 'data-testid="plan-total">20 U' in _page(second)
    codes = set(re.findall(r'data-code="([^"]+)"', _page(second)))
    other = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    make_plan(visit=other, by=injector, points=[("MASS", "L", 100), ("MASS", "R", 100)] * 2,
              final=True)  # fmt: skip
    third = _page(injector_client.get(url))
    assert set(re.findall(r'data-code="([^"]+)"', third)) - codes  # a new finding
    preview = injector_client.post(f"{url}preview/", {"points": "[]", "version": plan.version})
    assert preview.status_code == 200
    assert "No injection points yet." in preview.content.decode()


TOKEN = re.compile(r'(csrfmiddlewaretoken" value|data-csrf|nonce|data-session-[a-z-]+)="[^"]*"')


def _page(response) -> str:
    assert response.status_code == 200
    return TOKEN.sub("csrf", response.content.decode())


def test_the_kept_plans_are_bounded(postgres, patient, injector, monkeypatch):
    """The least recently read plan goes first; read again, it is read whole."""
    monkeypatch.setattr(final_points, "MOST_KEPT", 2)
    plans = [_final_plan(patient, injector) for _ in range(3)]
    final_points.clear()
    for plan in plans:
        get_plan_for(injector, plan.pk)
    assert list(final_points._kept) == [plans[1].pk, plans[2].pk]
    again = get_plan_for(injector, plans[0].pk)
    assert _points(again) == _stored(plans[0])
    assert list(final_points._kept) == [plans[2].pk, plans[0].pk]


def test_a_plan_read_without_placing_its_points_places_them_when_asked(postgres, patient, injector):
    """The plan page's GET reads a kept plan without placing its points (it takes what it
    shows from final_points.derived); asked, they are placed as a read places them, with
    the reference muscles on them, and no statement reads them. Seen red with
    get_plan_for putting the muscles on the unplaced points (a read of the points)."""
    plan = _final_plan(patient, injector)
    final_points.clear()
    get_plan_for(injector, plan.pk)
    muscles = list(Muscle.objects.all())
    with CaptureQueriesContext(connection) as captured:
        lazy = get_plan_for(injector, plan.pk, muscles=muscles, place_points=False)
        assert not final_points.placed(lazy)
        rows = final_points.points_of(lazy, muscles)
    assert not [q for q in captured.captured_queries if "planning_injectionpoint" in q["sql"]]
    assert final_points.placed(lazy) and rows == list(lazy.points.all())
    assert _points(lazy) == _stored(plan)
    by_pk = {m.pk: m for m in muscles}
    assert all(p.muscle is by_pk[p.muscle_id] and p.plan is lazy for p in rows)
