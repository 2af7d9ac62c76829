"""Turnover after each kind (issue 19, "Buffer"): the clinic's default and per kind
(settings BUFFER_MINUTES, BUFFER_MINUTES_BY_KIND), stored on the row as
``blocked_until`` (clinic.buffers).

It counts in the injector's and the room's clashes (clinic.conflicts, and on
PostgreSQL the exclusion constraints of migration 0011), not in the patient's:
the patient is free at the end. The free-slot search (clinic.slots, the review's
"Book review" times) and the grids see it. Doors: booking and moving
(clinic.scheduling), the Django admin (through the same rules, test_rooms.py) and
the review's booking (here, through its free times).
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from charting.due_reviews import review_times
from clinic import scheduling
from clinic.errors import BookingConflict
from clinic.models import Appointment
from clinic.roles import Role
from clinic.slots import find_free_slot, local_day_bounds
from tests.conftest import need
from tests.factories import (
    PatientFactory,
    UserFactory,
    at,
    make_appointment,
    make_due_review,
    make_room,
    tomorrow,
)

pytestmark = pytest.mark.django_db
Kind = Appointment.Kind


@pytest.fixture
def turnover(settings):
    settings.BUFFER_MINUTES = 0
    settings.BUFFER_MINUTES_BY_KIND = {"treatment": 10}


def treat(patient, injector, location, when, by, **extra):
    return scheduling.book_appointment(
        patient=patient,
        kind=Kind.TREATMENT,
        location=location,
        injector=injector,
        starts_at=when,
        by=by,
        **extra,
    )


def test_a_treatment_blocks_its_injector_until_its_turnover_ends(
    turnover, injector, patient, location, front_desk
):
    day = tomorrow(location)
    treated = treat(patient, injector, location, at(location, day, "10:00"), front_desk)
    assert treated.blocked_until == treated.ends_at + datetime.timedelta(minutes=10)
    with pytest.raises(BookingConflict) as refused:
        scheduling.book_appointment(
            patient=PatientFactory(),
            kind=Kind.CONSULTATION,
            location=location,
            injector=injector,
            starts_at=at(location, day, "10:45"),
            by=front_desk,
        )
    assert "is already booked" in str(refused.value)
    assert "10:00–10:45 (and turnover until 10:55)" in str(refused.value)
    after = scheduling.book_appointment(
        patient=PatientFactory(),
        kind=Kind.CONSULTATION,
        location=location,
        injector=injector,
        starts_at=at(location, day, "10:55"),
        by=front_desk,
    )
    assert after.blocked_until == after.ends_at  # a consultation has none


def test_its_own_turnover_may_not_run_into_the_next_booking(
    turnover, injector, location, front_desk
):
    day = tomorrow(location)
    make_appointment(
        patient=PatientFactory(), injector=injector, starts_at=at(location, day, "10:00")
    )
    with pytest.raises(BookingConflict, match="is already booked"):
        treat(PatientFactory(), injector, location, at(location, day, "09:15"), front_desk)
    treat(PatientFactory(), injector, location, at(location, day, "09:05"), front_desk)


def test_the_patient_is_free_at_the_end(turnover, injector, patient, location, front_desk):
    """The decision: turnover is the room's and the injector's, not the patient's."""
    day = tomorrow(location)
    treat(patient, injector, location, at(location, day, "10:00"), front_desk)
    other = UserFactory(role=Role.INJECTOR, default_location=location)
    review = scheduling.book_appointment(
        patient=patient,
        kind=Kind.CONSULTATION,
        location=location,
        injector=other,
        starts_at=at(location, day, "10:45"),
        by=front_desk,
    )
    assert review.pk


def test_the_room_is_taken_during_turnover(turnover, injector, location, front_desk):
    day = tomorrow(location)
    make_room(location, "Room 1")
    treat(
        PatientFactory(last_name="Firstcome"),
        injector,
        location,
        at(location, day, "10:00"),
        front_desk,
    )
    other = UserFactory(role=Role.INJECTOR, default_location=location)
    with pytest.raises(BookingConflict, match=r"Room 1 is taken .*turnover until 10:55"):
        treat(PatientFactory(), other, location, at(location, day, "10:50"), front_desk)
    assert treat(PatientFactory(), other, location, at(location, day, "10:55"), front_desk).room


def test_moving_takes_the_turnover_along(turnover, injector, location, front_desk):
    day = tomorrow(location)
    treated = treat(PatientFactory(), injector, location, at(location, day, "10:00"), front_desk)
    moved = scheduling.reschedule_appointment(
        appointment=treated, starts_at=at(location, day, "13:00")
    )
    moved.refresh_from_db()
    assert moved.blocked_until == at(location, day, "13:55")


def test_the_free_slot_search_skips_the_turnover(turnover, injector, patient, location, front_desk):
    day = tomorrow(location)
    treat(PatientFactory(), injector, location, at(location, day, "10:00"), front_desk)
    first_free = find_free_slot(
        injector=injector,
        patient=patient,
        location=location,
        minutes=15,
        preferred=at(location, day, "10:45"),
        earliest=at(location, day, "10:45"),
        last_day=day,
        kind=Kind.CONSULTATION,
    )
    assert first_free == at(location, day, "11:00")  # the quarter hour after 10:55


def test_a_kind_that_needs_a_room_is_offered_no_time_when_every_room_is_taken(
    turnover, injector, patient, location, front_desk
):
    day = tomorrow(location)
    make_room(location, "Room 1")
    other = UserFactory(role=Role.INJECTOR, default_location=location)
    treat(PatientFactory(), other, location, at(location, day, "10:00"), front_desk)
    first_free = find_free_slot(
        injector=injector,
        patient=patient,
        location=location,
        minutes=45,
        preferred=at(location, day, "10:00"),
        earliest=at(location, day, "10:00"),
        last_day=day,
        kind=Kind.TREATMENT,
    )
    assert first_free == at(location, day, "11:00")  # room free from 10:55


def test_the_reviews_times_skip_the_injectors_turnover(
    settings, injector, patient, location, front_desk
):
    """The review's door: "Book review" offers only times the injector is free."""
    due = make_due_review(patient=patient, injector=injector, location=location)
    # A free time with another half an hour on (late in the day today's last time
    # has none: the first day with such a pair).
    half = datetime.timedelta(minutes=30)
    day, taken_at = next(
        (d, start)
        for d in review_times(due=due, days=3).days
        for start in sorted(d.starts)
        if start + half in d.starts
    )
    settings.BUFFER_MINUTES_BY_KIND = {"treatment": 30}
    blocker = make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=taken_at - datetime.timedelta(minutes=45),
        minutes=45,
        kind=Kind.TREATMENT,
    )
    assert blocker.blocked_until == taken_at + datetime.timedelta(minutes=30)
    again = next(d for d in review_times(due=due, days=3).days if d.day == day.day)
    assert taken_at not in again.starts
    assert taken_at + datetime.timedelta(minutes=30) in again.starts


def test_the_grid_draws_the_turnover(turnover, desk_client, injector, location, front_desk):
    day = tomorrow(location)
    treated = treat(PatientFactory(), injector, location, at(location, day, "10:00"), front_desk)
    page = desk_client.get(reverse("schedule_day"), {"day": day.isoformat()})
    assert f'data-testid="turnover-{treated.pk}"' in page.text
    assert "Turnover until 10:55" in page.text


def test_the_injector_constraint_counts_the_turnover(turnover, injector, location, front_desk):
    """Past the rules, PostgreSQL refuses a row in the injector's turnover."""
    need(django_settings.DATABASE_IS_POSTGRES, "the exclusion constraint needs PostgreSQL")
    day = tomorrow(location)
    treat(PatientFactory(), injector, location, at(location, day, "10:00"), front_desk)
    with (
        pytest.raises(IntegrityError, match="appointment_injector_no_overlap"),
        transaction.atomic(),
    ):
        make_appointment(
            patient=PatientFactory(), injector=injector, starts_at=at(location, day, "10:50")
        )
    start, end = local_day_bounds(location=location, day=day)
    assert Appointment.objects.filter(starts_at__range=(start, end)).count() == 1
