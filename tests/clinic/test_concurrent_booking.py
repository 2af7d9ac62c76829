"""Two front desks book the same injector at the same time on two connections:
PostgreSQL's exclusion constraint lets one win; the other gets the clash message."""

import threading

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from clinic import scheduling
from clinic.errors import BookingConflict
from clinic.models import Appointment
from tests.conftest import need
from tests.factories import PatientFactory, at, make_appointment, tomorrow

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_connections_one_wins(injector, location, front_desk):
    need(settings.DATABASE_IS_POSTGRES, "the exclusion constraint needs PostgreSQL")
    first_patient = PatientFactory(first_name="Ava", last_name="Abernathy")
    second_patient = PatientFactory(first_name="Leo", last_name="Castor")
    starts_at = at(location, tomorrow(location), "10:00")
    both_checked = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def book(patient):
        return scheduling.book_appointment(
            patient=patient,
            kind=Appointment.Kind.CONSULTATION,
            location=location,
            injector=injector,
            starts_at=starts_at,
            by=front_desk,
        )

    def first_desk():
        # Books inside a transaction that stays open until the other desk has
        # passed the form's clash check (which cannot see this uncommitted row).
        try:
            with transaction.atomic():
                results["first"] = book(first_patient)
                both_checked.wait()
                threading.Event().wait(0.5)  # the other desk is now waiting on our row
        except Exception as exc:  # reported below
            results["first"] = exc
        finally:
            connection.close()

    def second_desk():
        try:
            both_checked.wait()
            results["second"] = book(second_patient)
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_desk), threading.Thread(target=second_desk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert isinstance(results["first"], Appointment)
    assert isinstance(results["second"], BookingConflict)
    assert "is already booked" in str(results["second"])
    assert "Ava Abernathy" in str(results["second"])
    # The database refused it (the form's check could not see the other row).
    assert isinstance(results["second"].__cause__, IntegrityError)
    assert list(Appointment.objects.values_list("patient_id", flat=True)) == [first_patient.pk]


def test_the_constraint_holds_without_the_form(injector, location, patient):
    """Rows written past the rules still cannot overlap on PostgreSQL."""
    need(settings.DATABASE_IS_POSTGRES, "the exclusion constraint needs PostgreSQL")

    make_appointment(patient=patient, injector=injector)
    with pytest.raises(IntegrityError, match="appointment_injector_no_overlap"):
        make_appointment(patient=PatientFactory(), injector=injector)
