"""A double submit (or a second tab) on "Book review": two desks press it at once on
two connections; one review is booked, the other press is told it is booked."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from charting import due_reviews
from clinic.errors import BookingConflict, SchedulingError
from clinic.models import Appointment
from clinic.slots import local_today
from tests.conftest import need
from tests.factories import PatientFactory, at, make_due_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_presses_book_one_review(patient, injector, front_desk):
    need(settings.DATABASE_IS_POSTGRES, "two connections need PostgreSQL")
    due = make_due_review(patient=patient, injector=injector)
    first_booked = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def first_press():
        # Books and holds its transaction open until the second press is waiting
        # on the due review's row.
        try:
            with transaction.atomic():
                results["first"] = due_reviews.book_due_review(due=due, by=front_desk)
                first_booked.wait()
                threading.Event().wait(0.5)
        except Exception as exc:  # reported below
            results["first"] = exc
        finally:
            connection.close()

    def second_press():
        try:
            first_booked.wait()
            results["second"] = due_reviews.book_due_review(due=due, by=front_desk)
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_press), threading.Thread(target=second_press)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert isinstance(results["first"], Appointment)
    assert isinstance(results["second"], SchedulingError), results["second"]
    assert "already booked" in str(results["second"])
    assert Appointment.objects.filter(kind=Appointment.Kind.REVIEW).count() == 1


def test_two_desks_tapping_one_time_for_two_reviews_book_it_once(injector, front_desk, location):
    """Two reviews of one injector, the same time tapped on two desks at once (issue 19,
    finding 4): the database's exclusion constraint decides; the second is told the time
    is no longer free (the page then shows the times again, test_review_book.py)."""
    need(settings.DATABASE_IS_POSTGRES, "two connections need PostgreSQL")
    first_due, second_due = (
        make_due_review(patient=PatientFactory(), injector=injector, location=location)
        for _ in range(2)
    )
    day = local_today(location) + datetime.timedelta(days=2)
    starts_at = at(location, day, "11:00")
    first_booked = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def first_tap():
        try:
            with transaction.atomic():
                results["first"] = due_reviews.book_due_review(
                    due=first_due, by=front_desk, starts_at=starts_at
                )
                first_booked.wait()
                threading.Event().wait(0.5)  # the second waits on the constraint meanwhile
        except Exception as exc:  # reported below
            results["first"] = exc
        finally:
            connection.close()

    def second_tap():
        try:
            first_booked.wait()
            results["second"] = due_reviews.book_due_review(
                due=second_due, by=front_desk, starts_at=starts_at
            )
        except Exception as exc:
            results["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first_tap), threading.Thread(target=second_tap)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert isinstance(results["first"], Appointment), results["first"]
    assert isinstance(results["second"], BookingConflict), results["second"]
    assert f"{day:%a %b %-d} at 11:00 is no longer free" in str(results["second"])
    assert list(Appointment.objects.values_list("patient_id", flat=True)) == [first_due.patient_id]
