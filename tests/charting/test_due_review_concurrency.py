"""A double submit (or a second tab) on "Book review": two desks press it at once on
two connections; one review is booked, the other press is told it is booked."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from charting import due_reviews
from clinic.errors import SchedulingError
from clinic.models import Appointment
from tests.conftest import need
from tests.factories import make_due_review

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
