"""``clinic.joined_read``: a row with its related rows and lists in one statement reads
what the ORM's ``select_related`` and prefetches read: the same rows, the same values
of the same types, the same caches filled (nothing read again when a page follows
them), a missing related row missing the same way.

Doors that read through it: the plan editor and its preview, apply and save-as-template
(``planning.access.get_plan_for``), and every visit page (``get_visit_for``: the
movement map, screening, photos, plan start, consent, chart and reports pages), the
chart's with its own rows along (``charting.access.get_treatment_for``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from charting.access import _CHART_ALONG
from charting.models import Consent
from clinic.joined_read import JoinedRead, Part, Rows
from planning.access import _PLAN_READ, LATEST_SCREENING, PHOTOS, _visit_read
from planning.choices import NotTreatedReason
from planning.models import Muscle, Photo, PlanKeep, TreatmentPlan, Visit
from planning.not_treated import record_not_treated
from planning.screening import acknowledge
from tests.factories import make_plan, make_visit
from tests.factories.charting import charted_treatment
from tests.factories.planning import measured_photo, screen

pytestmark = pytest.mark.django_db


def values(row) -> dict:
    """Every column the ORM reads of ``row``, with its type (the seal and the templates
    read ``str()`` of them, the dose rules compare them)."""
    return {
        f.attname: (getattr(row, f.attname), type(getattr(row, f.attname)))
        for f in type(row)._meta.concrete_fields
        if f.attname not in row.get_deferred_fields()
    }


def readers(read: JoinedRead):
    """The statement (PostgreSQL) and the ORM's reads it stands for elsewhere."""
    return [read.read, read._read_through_orm]


def no_queries(follow) -> None:
    with CaptureQueriesContext(connection) as captured:
        follow()
    assert not captured.captured_queries, [q["sql"] for q in captured.captured_queries]


def test_a_plan_reads_as_the_orm_reads_it(patient, injector):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    # an hour after the first (made at 09:00 that day): "now" is earlier before 09:00
    first = visit.screenings.latest("answered_at")
    later = screen(
        visit, injector, yes=("recent_toxin",), at=first.answered_at + datetime.timedelta(hours=1)
    )
    acknowledge(screening=later, by=injector, note="Discussed the interval.")
    plan = make_plan(
        visit=visit,
        by=injector,
        points=[("CORR", "L", 4), ("CORR", "R", "2.5"), ("PROC", "C", 10)],
    )
    # the points' order is their ``order``, not their ids (set before the plan is
    # final: a final plan's points never change, planning/0016)
    points = list(plan.points.order_by("id"))
    for n, point in enumerate(reversed(points)):
        type(point).objects.filter(pk=point.pk).update(order=n)
    TreatmentPlan.objects.filter(pk=plan.pk).update(
        status="final", finalized_at=timezone.now(), finalized_by=injector
    )
    # the keeps in their muscles' order, not their ids'
    muscles = sorted(Muscle.objects.filter(code__in=("FRONT", "DAO")), key=lambda m: -m.order)
    for muscle in muscles:
        PlanKeep.objects.create(
            plan=plan, muscle=muscle, side="L", reason="Kept", created_by=injector
        )

    read, orm = (reader(plan.pk) for reader in readers(_PLAN_READ))
    want = list(TreatmentPlan.objects.get(pk=plan.pk).points.all())
    assert (
        [p.pk for p in read.points.all()]
        == [p.pk for p in want]
        == [p.pk for p in reversed(points)]
    )
    assert [k.muscle.order for k in read.keeps.all()] == sorted(m.order for m in muscles)
    for mine, theirs in ((read, orm),):
        assert values(mine) == values(theirs)
        for path in ("visit", "visit.patient", "visit.location", "visit.injector", "product"):
            a, b = mine, theirs
            for name in path.split("."):
                a, b = getattr(a, name), getattr(b, name)
            assert values(a) == values(b), path
        assert values(mine.finalized_by) == values(theirs.finalized_by)
        for a, b in zip(mine.points.all(), theirs.points.all(), strict=True):
            assert values(a) == values(b)
            assert isinstance(a.units, Decimal) and isinstance(a.x, Decimal)
        for a, b in zip(mine.keeps.all(), theirs.keeps.all(), strict=True):
            assert values(a) == values(b) and values(a.muscle) == values(b.muscle)
        latest = mine.visit.latest_screening
        assert latest.pk == later.pk == theirs.visit.latest_screening.pk
        assert values(latest) == values(theirs.visit.latest_screening)
        assert latest.acknowledged_by.pk == injector.pk

    # a page follows every relation read with it without asking again
    def follow():
        str(read.visit.patient), str(read.visit.injector), read.visit.location.name
        (
            [p.plan.pk for p in read.points.all()],
            [(k.muscle.code, k.plan.pk) for k in read.keeps.all()],
        )
        read.product.brand, str(read.finalized_by), read.visit.latest_screening.answered_by.email

    no_queries(follow)


def test_a_plan_without_lists_or_finalizer_reads_as_the_orm_reads_it(patient, injector):
    plan = make_plan(visit=make_visit(patient=patient, injector=injector), by=injector)
    for reader in readers(_PLAN_READ):
        row = reader(plan.pk)
        assert list(row.points.all()) == [] and list(row.keeps.all()) == []
        assert row.finalized_by is None and row.visit.latest_screening is None
    assert _PLAN_READ.read(plan.pk + 1000) is None


@pytest.mark.parametrize("screening", [True, False])
def test_a_visit_with_its_chart_reads_as_the_orm_reads_it(patient, injector, screening):
    treatment = charted_treatment(patient=patient, injector=injector)
    screen(treatment.visit, injector, at=timezone.now() - datetime.timedelta(minutes=5))
    newer = screen(treatment.visit, injector, at=timezone.now())
    read = _visit_read(_CHART_ALONG, (LATEST_SCREENING,) if screening else ())
    mine, theirs = (reader(treatment.visit_id) for reader in readers(read))
    assert values(mine) == values(theirs)
    for name in ("patient", "location", "injector", "treatment"):
        assert values(getattr(mine, name)) == values(getattr(theirs, name)), name
    for name in ("product", "plan", "signed_by"):
        a, b = getattr(mine.treatment, name), getattr(theirs.treatment, name)
        assert (a is None and b is None) or values(a) == values(b), name
    if screening:
        assert mine.latest_screening.pk == newer.pk == theirs.latest_screening.pk
    else:
        assert not hasattr(mine, "latest_screening")

    def follow():
        mine.treatment.visit.pk, mine.treatment.product.brand, str(mine.patient)

    no_queries(follow)  # the chart's visit is this visit (a one-to-one: both ways)
    # no "not treated today" outcome: missing as the ORM's join leaves it
    for visit in (mine, theirs):
        with pytest.raises(Visit.not_treated.RelatedObjectDoesNotExist):
            visit.not_treated  # noqa: B018


def test_a_visits_not_treated_outcome_and_missing_rows(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    bare = make_visit(patient=patient, injector=injector, days_ago=30)
    record_not_treated(visit=visit, reason=NotTreatedReason.values[0], note="Why", by=injector)
    read = _visit_read((), (LATEST_SCREENING, PHOTOS))
    for reader in readers(read):
        row = reader(visit.pk)
        assert row.not_treated.note == "Why" and row.not_treated.visit is row
        assert reader(bare.pk).latest_screening is None
    assert read.read(bare.pk + 1000) is None


def test_a_visits_photos_read_with_their_measurements_as_the_orm_reads_them(patient, injector):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    measured = measured_photo(visit=visit, values={"brow_height": {"L": 21.5, "R": 23.0}})
    bare = measured_photo(visit=visit, expression="FROWN", moment="max", status="")
    read = _visit_read((), (LATEST_SCREENING, PHOTOS))
    mine, theirs = (reader(visit.pk) for reader in readers(read))
    assert [p.pk for p in mine.photos.all()] == [measured.pk, bare.pk]
    for a, b in zip(mine.photos.all(), theirs.photos.all(), strict=True):
        assert values(a) == values(b) and values(a.expression) == values(b.expression)
    a, b = mine.photos.all()[0].measurement, theirs.photos.all()[0].measurement
    assert values(a) == values(b) and a.values == {"brow_height": {"L": 21.5, "R": 23.0}}
    with pytest.raises(Photo.measurement.RelatedObjectDoesNotExist):
        mine.photos.all()[1].measurement  # noqa: B018
    no_queries(lambda: [(p.visit.pk, p.expression.code) for p in mine.photos.all()])
    # the plan page's: its visit's photos read with the plan, another visit's alone
    from planning.access import photos_of_visit

    plan = make_plan(visit=visit, by=injector)
    for reader in readers(_PLAN_READ):
        read = reader(plan.pk)
        assert [p.pk for p in read.visit.photos.all()] == [measured.pk, bare.pk]
        assert values(read.visit.photos.all()[0].measurement) == values(b)
    assert [p.pk for p in photos_of_visit(visit.pk)] == [measured.pk, bare.pk]
    assert photos_of_visit(visit.pk + 1000) == []


def test_binary_columns_stay_deferred_and_are_read_when_asked():
    part = Part(Consent, "c")
    assert "signature_png" not in part.attnames
    assert {f.attname for f in Consent._meta.concrete_fields} - set(part.attnames) == {
        "signature_png"
    }


def test_a_list_ordered_by_a_related_row_it_does_not_join_is_refused(patient, injector):
    from django.core.exceptions import ImproperlyConfigured

    read = JoinedRead(
        TreatmentPlan, rows=(Rows("keeps", PlanKeep, fk="plan", order=("muscle__order",)),)
    )
    if connection.vendor == "postgresql":
        with pytest.raises(ImproperlyConfigured):
            read.read(1)


def test_rows_made_without_init_are_the_orms_rows(patient, injector):
    """Where a model's construction does nothing but store its values, a row is made as
    unpickling makes one (``Part.maker``): the same instance state as ``from_db``'s, so
    it saves as an update, reads a deferred column and compares equal."""
    plan = make_plan(
        visit=make_visit(patient=patient, injector=injector),
        by=injector,
        points=[("CORR", "L", 4), ("PROC", "C", "2.5")],
    )
    read = _PLAN_READ.read(plan.pk)
    theirs = list(TreatmentPlan.objects.get(pk=plan.pk).points.all())
    for mine, orm in zip(read.points.all(), theirs, strict=True):
        assert Part(type(mine), "p")._plain
        assert (mine._state.adding, mine._state.db) == (orm._state.adding, orm._state.db)
        assert mine == orm and values(mine) == values(orm)
        assert mine.get_deferred_fields() == orm.get_deferred_fields() == set()
    saved = []
    for point, note in ((theirs[0], "Moved."), (read.points.all()[0], "Moved after review.")):
        point.note = note
        with CaptureQueriesContext(connection) as captured:
            point.save(update_fields=["note"])
        saved.append([q["sql"].split()[0] for q in captured.captured_queries])
        assert type(point).objects.get(pk=point.pk).note == note
    assert saved[0] == saved[1] and saved[1][-1] == "UPDATE" and "INSERT" not in saved[1]


def test_a_model_with_an_init_receiver_is_made_through_from_db(patient, injector):
    """A receiver of ``post_init`` (an image field's dimensions, an app's own) sees every
    row the read makes, as it would through the ORM."""
    from django.db.models.signals import post_init

    from planning.models import InjectionPoint

    plan = make_plan(
        visit=make_visit(patient=patient, injector=injector),
        by=injector,
        points=[("CORR", "L", 4), ("CORR", "R", 4), ("PROC", "C", 10)],
    )
    seen = []

    def saw(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(saw, sender=InjectionPoint)
    try:
        read = _PLAN_READ.read(plan.pk)
    finally:
        post_init.disconnect(saw, sender=InjectionPoint)
    assert [p.pk for p in seen] == [p.pk for p in read.points.all()]
    assert len(seen) == 3
    seen.clear()
    _PLAN_READ.read(plan.pk)
    assert seen == []
