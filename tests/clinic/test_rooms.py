"""Treatment rooms (issue 19, "Rooms"): one rule, ``clinic.rooms.choose_room``.

A treatment or touch-up (settings ROOM_KINDS) takes the desk's room or the first
free one of the location; a consultation or review takes one only when the desk
picks it; a location without rooms books without them. Two appointments never
hold one room at once (turnover included): a message naming who holds it, and on
PostgreSQL the exclusion constraint of migration 0011
(tests/clinic/test_room_race.py).

Its doors, each tested here: the desk's booking page, moving (the reschedule page),
the Django admin's add and change forms, the two-week review's booking
(charting.due_reviews.book_due_review), a status change that puts an appointment
back (no-show to booked), and the day view by room. The demo writes its rows
directly (clinic/demo_schedule.py) and takes no room yet.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from charting.due_reviews import book_due_review
from clinic import scheduling
from clinic.errors import BookingConflict, SchedulingError
from clinic.models import Appointment
from clinic.roles import Role
from clinic.rooms import NoFreeRoom
from tests.factories import (
    PatientFactory,
    UserFactory,
    at,
    make_appointment,
    make_due_review,
    make_room,
    tomorrow,
)
from tests.hostile import SCRIPT, assert_shown_as_text

pytestmark = pytest.mark.django_db

Kind, Status = Appointment.Kind, Appointment.Status


@pytest.fixture
def rooms(location):
    return [make_room(location, "Room 1"), make_room(location, "Room 2")]


@pytest.fixture
def second_injector(location):
    return UserFactory(
        first_name="Otto", last_name="Second", role=Role.INJECTOR, default_location=location
    )


def book(*, patient, injector, location, when, kind=Kind.TREATMENT, by, room=None):
    return scheduling.book_appointment(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        starts_at=when,
        by=by,
        room=room,
    )


def test_a_treatment_takes_the_first_free_room_and_none_free_is_refused_with_times(
    injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    first = book(
        patient=PatientFactory(first_name="Ava", last_name="Abernathy"),
        injector=injector,
        location=location,
        when=when,
        by=front_desk,
    )
    second = book(
        patient=PatientFactory(first_name="Leo", last_name="Castor"),
        injector=second_injector,
        location=location,
        when=when,
        by=front_desk,
    )
    assert (first.room, second.room) == (rooms[0], rooms[1])
    third_injector = UserFactory(role=Role.INJECTOR, default_location=location)
    with pytest.raises(NoFreeRoom) as refused:
        book(
            patient=PatientFactory(),
            injector=third_injector,
            location=location,
            when=when + datetime.timedelta(minutes=30),
            kind=Kind.TOUCH_UP,
            by=front_desk,
        )
    message = str(refused.value)
    assert "No room is free at Riverside Test Clinic" in message
    assert "10:30–10:45" in message
    assert "Room 1 is taken" in message and "10:00–10:45 by Ava Abernathy" in message
    assert "Room 2 is taken" in message and "Leo Castor" in message
    assert refused.value.field == "room"


def test_a_consultation_takes_a_room_only_when_the_desk_picks_one(
    injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    plain = book(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        when=when,
        kind=Kind.CONSULTATION,
        by=front_desk,
    )
    assert plain.room is None
    chosen = book(
        patient=PatientFactory(),
        injector=second_injector,
        location=location,
        when=when,
        kind=Kind.CONSULTATION,
        by=front_desk,
        room=rooms[1],
    )
    assert chosen.room == rooms[1]


def test_with_review_among_the_room_kinds_a_review_takes_one(
    settings, injector, location, rooms, front_desk
):
    """The clinic decides per kind (settings ROOM_KINDS)."""
    settings.ROOM_KINDS = ("treatment", "touch_up", "review")
    review = book(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        when=at(location, tomorrow(location), "10:00"),
        kind=Kind.REVIEW,
        by=front_desk,
    )
    assert review.room == rooms[0]


def test_a_chosen_room_that_is_taken_names_who_holds_it_in_desk_words(
    injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    book(
        patient=PatientFactory(first_name="Ava", last_name="Abernathy"),
        injector=injector,
        location=location,
        when=when,
        by=front_desk,
    )
    with pytest.raises(BookingConflict) as refused:
        book(
            patient=PatientFactory(),
            injector=second_injector,
            location=location,
            when=when + datetime.timedelta(minutes=15),
            by=front_desk,
            room=rooms[0],
        )
    assert str(refused.value) == (
        "Room 1 is taken "
        f"{when.astimezone(location_zone(location)):%b %-d} 10:00–10:45 by Ava Abernathy "
        f"(Treatment with {injector.get_full_name()})."
    )
    assert refused.value.field == "room"


def location_zone(location):
    from clinic.slots import zone_of

    return zone_of(location)


def test_another_locations_room_or_one_out_of_use_is_refused(
    injector, location, other_location, front_desk
):
    elsewhere = make_room(other_location, "Room 9")
    closed = make_room(location, "Old room", is_active=False)
    when = at(location, tomorrow(location), "10:00")
    with pytest.raises(SchedulingError, match="Room 9 is not at Riverside Test Clinic"):
        book(
            patient=PatientFactory(),
            injector=injector,
            location=location,
            when=when,
            by=front_desk,
            room=elsewhere,
        )
    with pytest.raises(SchedulingError, match="Old room is out of use"):
        book(
            patient=PatientFactory(),
            injector=injector,
            location=location,
            when=when,
            by=front_desk,
            room=closed,
        )
    # The room out of use is not one of the location's rooms: it books without one.
    assert (
        book(
            patient=PatientFactory(), injector=injector, location=location, when=when, by=front_desk
        ).room
        is None
    )


def test_a_location_without_rooms_books_treatments_without_one(injector, location, front_desk):
    booked = book(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        when=at(location, tomorrow(location), "10:00"),
        by=front_desk,
    )
    assert booked.room is None


# --- the doors --------------------------------------------------------------------


def test_door_the_booking_page_says_the_room_is_taken(
    desk_client, injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    book(
        patient=PatientFactory(last_name="Firstcome"),
        injector=second_injector,
        location=location,
        when=when,
        by=front_desk,
        room=rooms[0],
    )
    page = desk_client.get(reverse("appointment_book"), {"patient": PatientFactory().pk})
    token = page.context["form"]["submit_token"].value()
    patient = PatientFactory()
    data = {
        "submit_token": token,
        "patient": patient.pk,
        "kind": Kind.TREATMENT,
        "location": location.pk,
        "injector": injector.pk,
        "room": rooms[0].pk,
        "day": tomorrow(location).isoformat(),
        "start": "10:15",
    }
    page = desk_client.post(reverse("appointment_book"), data)
    assert page.status_code == 200
    assert "Room 1 is taken" in page.text and "Firstcome" in page.text
    assert not Appointment.objects.filter(patient=patient).exists()
    data["room"] = ""  # any free room
    page = desk_client.post(reverse("appointment_book"), data, follow=True)
    booked = Appointment.objects.get(patient=patient)
    assert booked.room == rooms[1]
    assert "in Room 2" in page.text


def test_door_moving_keeps_the_room_while_free_else_takes_another(
    desk_client, injector, second_injector, location, rooms, front_desk
):
    day = tomorrow(location)
    moving = book(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        when=at(location, day, "10:00"),
        by=front_desk,
    )
    assert moving.room == rooms[0]
    moved = scheduling.reschedule_appointment(
        appointment=moving, starts_at=at(location, day, "11:00")
    )
    assert moved.room == rooms[0]
    book(
        patient=PatientFactory(),
        injector=second_injector,
        location=location,
        when=at(location, day, "14:00"),
        by=front_desk,
        room=rooms[0],
    )
    moved = scheduling.reschedule_appointment(
        appointment=moving, starts_at=at(location, day, "14:15")
    )
    assert moved.room == rooms[1]
    # The reschedule page: a chosen room that is taken is said on the form.
    page = desk_client.post(
        reverse("appointment_reschedule", args=[moving.pk]),
        {"injector": injector.pk, "room": rooms[0].pk, "day": day.isoformat(), "start": "14:15"},
    )
    assert page.status_code == 200 and "Room 1 is taken" in page.text
    # A drag in the room view posts the room and no injector: the injector stays.
    page = desk_client.post(
        reverse("appointment_reschedule", args=[moving.pk]),
        {"injector": "", "room": rooms[0].pk, "day": day.isoformat(), "start": "16:00"},
    )
    moving.refresh_from_db()
    assert (moving.room, moving.injector, moving.local_start.hour) == (rooms[0], injector, 16)


def admin_fields(when, minutes=45):
    from django.utils import timezone

    start = timezone.localtime(when)
    end = timezone.localtime(when + datetime.timedelta(minutes=minutes))
    return {
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
    }


def test_door_the_django_admin_says_the_room_is_taken_without_a_500(
    admin_client, injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    held = book(
        patient=PatientFactory(last_name="Firstcome"),
        injector=second_injector,
        location=location,
        when=when,
        by=front_desk,
        room=rooms[0],
    )
    patient = PatientFactory()
    data = {
        "patient": patient.pk,
        "kind": Kind.TREATMENT,
        "location": location.pk,
        "injector": injector.pk,
        "room": rooms[0].pk,
        "desk_note": "",
        **admin_fields(when),
    }
    page = admin_client.post("/admin/clinic/appointment/add/", data, follow=True)
    assert page.status_code == 200
    assert "Room 1 is taken" in page.text and "Firstcome" in page.text
    assert not Appointment.objects.filter(patient=patient).exists()
    data["room"] = ""
    page = admin_client.post("/admin/clinic/appointment/add/", data, follow=True)
    assert page.status_code == 200
    assert Appointment.objects.get(patient=patient).room == rooms[1]
    # The change form: moving the held one into Room 2 at the same time is refused.
    change = {
        "injector": second_injector.pk,
        "room": rooms[1].pk,
        "status": Status.BOOKED,
        "desk_note": "",
        "cancel_reason": "",
        **admin_fields(when),
    }
    page = admin_client.post(f"/admin/clinic/appointment/{held.pk}/change/", change, follow=True)
    assert page.status_code == 200 and "Room 2 is taken" in page.text
    held.refresh_from_db()
    assert held.room == rooms[0]


def test_door_the_admin_location_page_edits_rooms_inline(admin_client, location):
    page = admin_client.get(f"/admin/clinic/location/{location.pk}/change/")
    assert page.status_code == 200 and "rooms-TOTAL_FORMS" in page.text


def test_door_putting_a_no_show_back_takes_a_free_room_or_is_refused(
    injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    gone = make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=when,
        minutes=45,
        kind=Kind.TREATMENT,
        status=Status.NO_SHOW,
        room=rooms[0],
    )
    book(
        patient=PatientFactory(),
        injector=second_injector,
        location=location,
        when=when,
        by=front_desk,
        room=rooms[0],
    )
    back = scheduling.change_status(appointment=gone, to=Status.BOOKED)
    assert back.room == rooms[1] and back.status == Status.BOOKED


def test_door_putting_back_with_every_room_taken_is_refused(
    injector, second_injector, location, rooms, front_desk
):
    when = at(location, tomorrow(location), "10:00")
    gone = make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=when,
        minutes=45,
        kind=Kind.TREATMENT,
        status=Status.NO_SHOW,
        room=rooms[0],
    )
    for room in rooms:
        book(
            patient=PatientFactory(),
            injector=UserFactory(role=Role.INJECTOR),
            location=location,
            when=when,
            by=front_desk,
            room=room,
        )
    with pytest.raises(NoFreeRoom, match="No room is free"):
        scheduling.change_status(appointment=gone, to=Status.BOOKED)
    gone.refresh_from_db()
    assert gone.status == Status.NO_SHOW


def test_door_the_two_week_review_takes_a_room_when_reviews_need_one(
    settings, injector, patient, location, rooms, front_desk
):
    settings.ROOM_KINDS = ("treatment", "touch_up", "review")
    due = make_due_review(patient=patient, injector=injector, location=location)
    review = book_due_review(due=due, by=front_desk)
    assert review.kind == Kind.REVIEW and review.room == rooms[0]


# --- the day view by room ------------------------------------------------------------


def test_the_day_view_by_room_has_a_column_per_room_and_escapes_names(
    desk_client, injector, location, rooms, front_desk
):
    day = tomorrow(location)
    hostile = PatientFactory(first_name=SCRIPT, last_name="Roomer")
    treated = book(
        patient=hostile,
        injector=injector,
        location=location,
        when=at(location, day, "10:00"),
        by=front_desk,
        room=rooms[1],
    )
    consult = book(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        when=at(location, day, "11:00"),
        kind=Kind.CONSULTATION,
        by=front_desk,
    )
    page = desk_client.get(reverse("schedule_day"), {"day": day.isoformat(), "by": "room"})
    assert page.status_code == 200
    columns = {c.key: c for c in page.context["grid"].columns}
    assert [c.title for c in page.context["grid"].columns] == ["Room 1", "Room 2", "No room"]
    assert [b.appointment.pk for b in columns[f"room-{rooms[1].pk}"].blocks] == [treated.pk]
    assert [b.appointment.pk for b in columns["room-none"].blocks] == [consult.pk]
    assert f"room={rooms[0].pk}" in page.text  # a free time books that room
    assert_shown_as_text(page.text, SCRIPT)
    assert 'aria-current="true" href="?day=' in page.text and "by=room" in page.text


@pytest.mark.parametrize("count", [5, 100])
def test_the_day_view_by_room_query_count_is_constant(
    desk_client, location, count, django_assert_num_queries
):
    day = datetime.date(2030, 5, 14)
    rooms = [make_room(location, f"Room {n}") for n in range(1, 5)]
    injectors = [UserFactory(role=Role.INJECTOR, default_location=location) for _ in range(10)]
    for n, patient in enumerate(PatientFactory.create_batch(count)):
        make_appointment(
            patient=patient,
            injector=injectors[n % 10],
            location=location,
            room=rooms[n % 4],
            starts_at=at(location, day, "09:00") + datetime.timedelta(minutes=5 * (n // 4)),
            minutes=5,
            kind=Kind.TREATMENT,
        )
    # 1 session, 2 user, 3 the user's roles, 4 the active locations (the page's, the
    # navigation's), 5 the appointments of the day, 6 the rooms (in place of the
    # injectors), 7 the location's holidays, the injectors' time off, the weekday's opening
    # hours and the injectors' working hours, in one statement (clinic.hours)
    with django_assert_num_queries(7):
        page = desk_client.get(
            reverse("schedule_day"),
            {"day": day.isoformat(), "by": "room"},
        )
    assert sum(len(c.blocks) for c in page.context["grid"].columns) == count
    assert len(page.context["grid"].columns) == 4
