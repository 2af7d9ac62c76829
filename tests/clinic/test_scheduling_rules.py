"""The booking rules of clinic.scheduling, called directly."""

import datetime

import pytest
from django.utils import timezone

from clinic import scheduling
from clinic.errors import BookingConflict, SchedulingError
from clinic.models import Appointment
from clinic.roles import Role
from tests.factories import PatientFactory, UserFactory, at, make_appointment, tomorrow

pytestmark = pytest.mark.django_db
Status = Appointment.Status


def book(patient, injector, location, hhmm="10:00", day=None, **extra):
    return scheduling.book_appointment(
        patient=patient,
        kind=extra.pop("kind", Appointment.Kind.CONSULTATION),
        location=location,
        injector=injector,
        starts_at=at(location, day or tomorrow(location), hhmm),
        by=extra.pop("by", None),
        **extra,
    )


def test_books_with_the_default_length_of_the_kind(patient, injector, location, front_desk):
    appointment = book(patient, injector, location, kind=Appointment.Kind.TREATMENT, by=front_desk)
    assert appointment.minutes == 45
    assert appointment.status == Status.BOOKED
    assert appointment.created_by == front_desk
    assert appointment.starts_at.utcoffset() == datetime.timedelta(0)  # stored in UTC


def test_same_injector_double_booked_is_refused_naming_the_clash(patient, injector, location):
    book(patient, injector, location, "10:00")
    other = PatientFactory(first_name="Clara", last_name="Northcott")
    with pytest.raises(BookingConflict) as exc:
        book(other, injector, location, "10:15")
    message = str(exc.value)
    assert "Ina Tester is already booked" in message
    assert "10:00–10:30" in message and "Maya Lockwood" in message
    assert Appointment.objects.count() == 1


def test_same_patient_double_booked_is_refused_naming_the_clash(patient, injector, location):
    book(patient, injector, location, "10:00")
    colleague = UserFactory(first_name="Jonah", last_name="Bright", role=Role.INJECTOR)
    with pytest.raises(BookingConflict) as exc:
        book(patient, colleague, location, "10:20")
    assert "Maya Lockwood already has an appointment" in str(exc.value)
    assert "with Ina Tester" in str(exc.value)


def test_back_to_back_and_cancelled_slots_are_free(patient, injector, location):
    first = book(patient, injector, location, "10:00")
    second = book(PatientFactory(), injector, location, "10:30")  # starts as the first ends
    scheduling.change_status(appointment=second, to=Status.CANCELLED, reason="Ill")
    third = book(PatientFactory(), injector, location, "10:30")
    assert {first.pk, third.pk} <= set(
        Appointment.objects.holding_time().values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        (-60, 30, "That time has passed"),
        (60, -10, "The end is before the start"),
        (60, 0, "The end is before the start"),
    ],
)
def test_bad_times_are_refused(patient, injector, location, starts, ends, message):
    start = timezone.now() + datetime.timedelta(minutes=starts)
    with pytest.raises(SchedulingError, match=message):
        scheduling.book_appointment(
            patient=patient,
            kind=Appointment.Kind.CONSULTATION,
            location=location,
            injector=injector,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=ends),
            by=None,
        )
    assert not Appointment.objects.exists()


def test_only_an_injector_takes_appointments(patient, front_desk, location):
    with pytest.raises(SchedulingError, match="not an active injector"):
        book(patient, front_desk, location)


def test_reschedule_moves_and_checks_clashes(patient, injector, location, front_desk):
    moving = book(patient, injector, location, "10:00")
    book(PatientFactory(first_name="Noor", last_name="Ivers"), injector, location, "11:00")
    with pytest.raises(BookingConflict, match="Noor Ivers"):
        scheduling.reschedule_appointment(
            appointment=moving, starts_at=at(location, tomorrow(location), "10:45")
        )
    moved = scheduling.reschedule_appointment(
        appointment=moving, starts_at=at(location, tomorrow(location), "14:00")
    )
    assert moved.local_start.hour == 14 and moved.minutes == 30


def test_a_completed_appointment_cannot_be_rescheduled(patient, injector, location, front_desk):
    done = make_appointment(patient=patient, injector=injector, status=Status.COMPLETED)
    with pytest.raises(SchedulingError, match="completed"):
        scheduling.reschedule_appointment(
            appointment=done, starts_at=at(location, tomorrow(location), "15:00")
        )


def test_a_cancelled_appointment_cannot_be_marked_arrived(patient, injector, front_desk):
    cancelled = make_appointment(patient=patient, injector=injector, status=Status.CANCELLED)
    with pytest.raises(SchedulingError, match="was cancelled"):
        scheduling.change_status(appointment=cancelled, to=Status.ARRIVED)
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED


def test_cancelling_needs_a_reason(patient, injector, front_desk):
    appointment = make_appointment(patient=patient, injector=injector)
    with pytest.raises(SchedulingError, match="reason"):
        scheduling.change_status(appointment=appointment, to=Status.CANCELLED)
    scheduling.change_status(
        appointment=appointment, to=Status.CANCELLED, reason="  Car broke down "
    )
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == (Status.CANCELLED, "Car broke down")


def test_no_show_only_after_the_start(patient, injector, location, front_desk):
    later = make_appointment(patient=patient, injector=injector)
    with pytest.raises(SchedulingError, match="Not yet"):
        scheduling.change_status(appointment=later, to=Status.NO_SHOW)
    earlier = make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=timezone.now() - datetime.timedelta(minutes=20),
    )
    assert scheduling.change_status(appointment=earlier, to=Status.NO_SHOW).status == Status.NO_SHOW


def test_the_day_runs_booked_arrived_in_treatment_completed(patient, injector, front_desk):
    appointment = make_appointment(patient=patient, injector=injector)
    for to in (Status.ARRIVED, Status.IN_TREATMENT):  # tomorrow's: not yet (issue 19, 4)
        with pytest.raises(SchedulingError, match="marked arrived on the day"):
            scheduling.change_status(appointment=appointment, to=to)
    on_the_day = appointment.starts_at - datetime.timedelta(hours=1)
    for to in (Status.ARRIVED, Status.IN_TREATMENT, Status.COMPLETED):
        appointment = scheduling.change_status(appointment=appointment, to=to, now=on_the_day)
    assert appointment.status == Status.COMPLETED
    with pytest.raises(SchedulingError, match="completed"):
        scheduling.change_status(appointment=appointment, to=Status.BOOKED)


def test_a_no_show_put_back_checks_the_slot_is_still_free(patient, injector, location, front_desk):
    missed = make_appointment(
        patient=patient,
        injector=injector,
        status=Status.NO_SHOW,
        starts_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    make_appointment(
        patient=PatientFactory(first_name="Walk", last_name="Inn"),
        injector=injector,
        starts_at=missed.starts_at + datetime.timedelta(minutes=5),
    )
    with pytest.raises(BookingConflict, match="Walk Inn"):
        scheduling.change_status(appointment=missed, to=Status.BOOKED)
