"""Two front desks give the last room away at the same moment, on two connections
(issue 19, "a room double-booked from two desks at once"): PostgreSQL's exclusion
constraint of migration 0011 lets one win; the other gets the room's message, no
500. Two injectors and two patients, so only the room can clash."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from clinic import scheduling
from clinic.errors import BookingConflict
from clinic.models import Appointment
from clinic.roles import Role
from tests.conftest import need
from tests.factories import PatientFactory, UserFactory, at, make_appointment, make_room, tomorrow

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_desks_one_room_one_wins(injector, location, front_desk):
    need(settings.DATABASE_IS_POSTGRES, "the exclusion constraint needs PostgreSQL")
    room = make_room(location, "Room 1")
    other_injector = UserFactory(first_name="Otto", role=Role.INJECTOR, default_location=location)
    first_patient = PatientFactory(first_name="Ava", last_name="Abernathy")
    second_patient = PatientFactory(first_name="Leo", last_name="Castor")
    starts_at = at(location, tomorrow(location), "10:00")
    both_checked = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def book(patient, who):
        return scheduling.book_appointment(
            patient=patient,
            kind=Appointment.Kind.TREATMENT,  # takes the first free room
            location=location,
            injector=who,
            starts_at=starts_at,
            by=front_desk,
        )

    def first_desk():
        # Books inside a transaction that stays open until the other desk has
        # passed the room check (which cannot see this uncommitted row).
        try:
            with transaction.atomic():
                results["first"] = book(first_patient, injector)
                both_checked.wait()
                threading.Event().wait(0.5)  # the other desk is now waiting on our row
        except Exception as exc:  # reported below
            results["first"] = exc
        finally:
            connection.close()

    def second_desk():
        try:
            both_checked.wait()
            results["second"] = book(second_patient, other_injector)
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_desk), threading.Thread(target=second_desk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert isinstance(results["first"], Appointment), results["first"]
    assert results["first"].room == room
    assert isinstance(results["second"], BookingConflict), results["second"]
    assert "Room 1 is taken" in str(results["second"])
    assert "by Ava Abernathy" in str(results["second"])
    # The database refused it (the room check could not see the other row).
    assert isinstance(results["second"].__cause__, IntegrityError)
    assert list(Appointment.objects.values_list("patient_id", flat=True)) == [first_patient.pk]


def test_the_room_constraint_holds_without_the_rules(injector, location, patient):
    """Rows written past the rules still cannot share a room on PostgreSQL, turnover
    included; a cancelled one frees it."""
    need(settings.DATABASE_IS_POSTGRES, "the exclusion constraint needs PostgreSQL")
    room = make_room(location, "Room 1")
    other = UserFactory(role=Role.INJECTOR, default_location=location)
    first = make_appointment(patient=patient, injector=injector, room=room, minutes=45)
    Appointment.objects.filter(pk=first.pk).update(
        blocked_until=first.ends_at + datetime.timedelta(minutes=10)
    )
    after_turnover = first.ends_at + datetime.timedelta(minutes=10)
    with pytest.raises(IntegrityError, match="appointment_room_no_overlap"), transaction.atomic():
        make_appointment(
            patient=PatientFactory(),
            injector=other,
            room=room,
            starts_at=after_turnover - datetime.timedelta(minutes=5),
        )
    make_appointment(patient=PatientFactory(), injector=other, room=room, starts_at=after_turnover)
    make_appointment(
        patient=PatientFactory(),
        injector=other,
        room=room,
        starts_at=first.starts_at,
        status=Appointment.Status.CANCELLED,
    )
