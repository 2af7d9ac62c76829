"""``clinic.compiled``: a ``.values()`` read whose SQL the ORM writes once per process
gives what the ORM's ``.values()`` gives, run after run with other values (nothing of
the first run's values is kept in the SQL), one query a run.

Doors that read through it: the patient page's visits (``planning.visits``) and
appointments (``clinic.patient_appointments``), the day view's appointments and
injectors (``clinic.views.schedule``), the search's patients."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.test.utils import CaptureQueriesContext

from clinic.compiled import CompiledValues, Param
from planning.models import Screening, Visit
from planning.visits import _recent_visits
from tests.factories import PatientFactory, make_visit
from tests.factories.planning import screen

pytestmark = pytest.mark.django_db


def visits_of(patient_id):
    """The ORM's own read, built each time with the value written in."""
    latest = Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
    return list(
        Visit.objects.filter(patient_id=patient_id)
        .annotate(screening_outcome=Subquery(latest), n=Count("plans"))
        .order_by("-date", "-id")
        .values("pk", "date", "kind", "screening_outcome", "n", "injector__last_name")
    )


READ = CompiledValues(
    lambda: (
        Visit.objects.filter(patient_id=Param("patient", models.BigIntegerField()))
        .annotate(
            screening_outcome=Subquery(
                Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
            ),
            n=Count("plans"),
        )
        .order_by("-date", "-id")
        .values("pk", "date", "kind", "screening_outcome", "n", "injector__last_name")
    )
)


def test_each_run_reads_its_own_values_as_the_orm_reads_them(patient, injector):
    other = PatientFactory(first_name="Other", home_location=patient.home_location)
    first = make_visit(patient=patient, injector=injector, days_ago=30)
    make_visit(patient=patient, injector=injector)
    screen(first, injector)
    make_visit(patient=other, injector=injector, days_ago=3)

    for p in (patient, other, patient):
        mine = READ(patient=p.pk)
        assert mine == visits_of(p.pk) and mine
        assert [(type(v["date"]), type(v["n"])) for v in mine] == [
            (type(v["date"]), type(v["n"])) for v in visits_of(p.pk)
        ]
    assert READ(patient=other.pk + 1000) == []
    with CaptureQueriesContext(connection) as captured:
        READ(patient=patient.pk)
    assert len(captured) == 1


def test_a_page_read_equals_the_orm_read_it_stands_for(patient, injector):
    make_visit(patient=patient, injector=injector, screened=True)
    make_visit(patient=patient, injector=injector, days_ago=7)
    compiled = CompiledValues(_recent_visits)(patient=patient.pk)
    latest = Screening.objects.filter(visit=OuterRef("pk")).latest_first().values("outcome")[:1]
    orm = list(
        Visit.objects.filter(patient=patient)
        .annotate(screening_outcome=Subquery(latest))
        .order_by("-date", "-id")
        .values(*compiled[0].keys())[:8]
    )
    assert compiled == orm and len(orm) == 2


def test_the_values_given_must_be_its_params(patient):
    with pytest.raises(TypeError):
        READ(visit=patient.pk)
    with pytest.raises(TypeError):
        READ()
    with pytest.raises(TypeError):
        CompiledValues(lambda: Visit.objects.all())()


def test_a_read_as_tuples_is_its_values_list_and_names_its_columns(patient, injector):
    """``tuples`` (the day view's appointments): the rows of ``.values_list()`` in the
    read's column order, and the columns asked for must be the read's, in order."""
    make_visit(patient=patient, injector=injector)
    make_visit(patient=patient, injector=injector, days_ago=7)
    names = list(READ(patient=patient.pk)[0])
    rows = READ.tuples(*names, patient=patient.pk)
    assert rows == [tuple(v.values()) for v in READ(patient=patient.pk)]
    assert {type(r) for r in rows} == {tuple}  # converted rows too (SQLite's dates)
    with pytest.raises(TypeError):
        READ.tuples(*reversed(names), patient=patient.pk)
    with pytest.raises(TypeError):
        READ.tuples(*names[:-1], patient=patient.pk)


def test_the_day_views_reads_equal_the_orm_reads(patient, injector, location):
    """The day's appointments (``grid_rows_at``) and its injector columns: the same rows
    as the ORM's ``between(...).grid_rows()`` and the injectors booked or working there,
    an appointment that started the evening before and one the next day included."""
    from clinic.access import injectors
    from clinic.models import Appointment
    from clinic.models.appointments import grid_rows_at
    from clinic.slots import local_day_bounds
    from clinic.views.schedule import SHOWN_IN_GRID, working_or_booked
    from tests.factories.clinic import (
        LocationFactory,
        UserFactory,
        at,
        make_appointment,
        tomorrow,
    )

    day = tomorrow(location)
    elsewhere = UserFactory(email="away@test.clinic", role="injector", default_location=None)
    # Working at another location: one not booked here, one booked here only in a
    # cancelled appointment. Neither has a column.
    other = LocationFactory(name="Hillside")
    unbooked = UserFactory(email="unbooked@test.clinic", role="injector", default_location=other)
    cancelled_only = UserFactory(
        email="cancelled@test.clinic", role="injector", default_location=other
    )
    for hhmm, who in (("09:00", injector), ("11:30", elsewhere), ("16:00", injector)):
        make_appointment(patient=patient, injector=who, starts_at=at(location, day, hhmm))
    before = at(location, day, "00:00") - datetime.timedelta(minutes=20)
    make_appointment(patient=patient, injector=injector, starts_at=before, minutes=40)
    make_appointment(
        patient=patient, injector=elsewhere, starts_at=at(location, day, "12:00"),
        status=Appointment.Status.CANCELLED,
    )  # fmt: skip
    make_appointment(patient=patient, injector=elsewhere, starts_at=at(location, day, "23:59"))
    make_appointment(
        patient=patient, injector=cancelled_only, starts_at=at(location, day, "14:00"),
        status=Appointment.Status.CANCELLED,
    )  # fmt: skip
    make_appointment(
        patient=patient, injector=injector,
        starts_at=at(location, day + datetime.timedelta(days=1), "09:00"),
    )  # fmt: skip
    start, end = local_day_bounds(location=location, day=day)

    orm = Appointment.objects.filter(location=location).between(start, end).grid_rows()
    assert grid_rows_at(location_id=location.pk, start=start, end=end) == orm
    assert len(orm) == 6

    shown = {a.injector_id for a in orm if a.status in SHOWN_IN_GRID}
    want = list(
        injectors()
        .filter(Q(default_location=location) | Q(pk__in=shown))
        .order_by("last_name", "first_name")
        .values_list("pk", flat=True)
    )
    shown_rows = [a for a in orm if a.status in SHOWN_IN_GRID]
    found = working_or_booked(location_id=location.pk, shown=shown_rows)
    assert [pk for pk, *_ in found] == want and elsewhere.pk in want
    assert injector.pk in want and unbooked.pk not in want and cancelled_only.pk not in want
    # booked nowhere and working elsewhere: not a column; with no one at all, everyone
    nobody_here = working_or_booked(location_id=location.pk + 1000, shown=[])
    assert [pk for pk, *_ in nobody_here] == list(
        injectors().order_by("last_name", "first_name").values_list("pk", flat=True)
    )


def test_the_movement_maps_read_equals_the_orm_read(patient, injector):
    from planning.models import MovementMap
    from planning.movement import _CELL_FIELDS, StoredCell, map_with_cells
    from tests.factories.planning import grade

    graded = make_visit(patient=patient, injector=injector, screened=True)
    grade(graded, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "REST.PROC.C": 1})
    bare = make_visit(patient=patient, injector=injector, days_ago=9)
    for visit in (graded, bare):
        rows = list(
            MovementMap.objects.filter(visit_id=visit.pk)
            .order_by()
            .values_list("notes", *_CELL_FIELDS)
        )
        want = (
            (rows[0][0], [StoredCell(*r[1:]) for r in rows if r[1] is not None])
            if rows
            else (None, [])
        )
        notes, cells = map_with_cells(visit)
        assert (notes, sorted(cells)) == (want[0], sorted(want[1]))
    assert len(map_with_cells(graded)[1]) == 3


def test_the_reviews_due_lists_page_ids_equal_the_orm_reads(patient, injector, location):
    """Each shape of the list's filters (booked or not, a location, an injector) and a
    second page: the ids ``reviews_due`` picks through its compiled reads are the ORM's."""
    from charting.models import DueReview
    from charting.views import reviews_due
    from tests.factories.charting import make_due_review
    from tests.factories.clinic import LocationFactory, UserFactory

    other_place = LocationFactory(name="North")
    other = UserFactory(email="other@test.clinic", role="injector", default_location=location)
    for n in range(6):
        make_due_review(
            patient=PatientFactory(first_name=f"P{n}", home_location=location),
            injector=(injector, other)[n % 2],
            location=(location, other_place)[n % 3 == 0],
            treated_days_ago=14 + n,
        )
    page = reviews_due.PAGE_SIZE
    for booked in (False, True):
        for place in (None, location.pk, other_place.pk):
            for who in (None, injector.pk, other.pk):
                listed = (
                    DueReview.objects.still_owed()
                    if booked
                    else DueReview.objects.needing_booking()
                )
                if place:
                    listed = listed.filter(location_id=place)
                if who:
                    listed = listed.filter(injector_id=who)
                want = list(listed.order_by("due_on", "id").values_list("pk", flat=True))
                for start in (0, page):
                    got = [pk for pk, _ in reviews_due._page_ids((booked, place, who), start)]
                    assert got == want[start : start + page]
    assert reviews_due._page_ids((False, None, None), 0)
