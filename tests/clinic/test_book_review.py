"""book_review, as charting calls it when an injector signs a treatment, and the
life of a due review after that."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from clinic import scheduling
from clinic.appointments import Appointment, DueReview
from clinic.slots import local_today
from tests.factories import PatientFactory

from .scheduling_factories import at, make_appointment

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def treated_at(location):
    """A treatment signed today at 11:00 local (or now, if that is later)."""
    return at(location, local_today(location), "11:00")


def sign(patient, injector, location, treated_at, days=14):
    return scheduling.book_review(
        patient=patient,
        injector=injector,
        location=location,
        treated_at=treated_at,
        days=days,
        by=injector,
    )


def test_books_day_14_same_injector_location_and_time(patient, injector, location, treated_at):
    review = sign(patient, injector, location, treated_at)
    assert review.kind == Appointment.Kind.REVIEW
    assert (review.injector, review.location, review.status) == (injector, location, Status.BOOKED)
    assert review.local_start.date() == local_today(location) + datetime.timedelta(days=14)
    assert review.local_start.time() == datetime.time(11, 0)
    assert review.minutes == 15
    due = DueReview.objects.get(patient=patient)
    assert due.status == DueReview.Status.BOOKED and due.appointment == review
    assert due.due_on == review.local_start.date()
    assert due.overdue_after == local_today(location) + datetime.timedelta(days=21)


def test_review_day_is_adjustable_from_10_to_21(patient, injector, location, treated_at):
    review = sign(patient, injector, location, treated_at, days=10)
    assert review.local_start.date() == local_today(location) + datetime.timedelta(days=10)
    for days in (9, 22):
        with pytest.raises(scheduling.SchedulingError, match="10 to 21 days"):
            sign(PatientFactory(), injector, location, treated_at, days=days)


def test_busy_time_moves_to_the_nearest_free_slot(patient, injector, location, treated_at):
    day = local_today(location) + datetime.timedelta(days=14)
    make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, "10:30"),
        minutes=60,
    )
    review = sign(patient, injector, location, treated_at)
    assert review.local_start.date() == day
    assert review.local_start.time() in (datetime.time(10, 15), datetime.time(11, 30))


def test_a_full_day_moves_to_the_next_day(patient, injector, location, treated_at):
    day = local_today(location) + datetime.timedelta(days=14)
    make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, "09:00"),
        minutes=540,
    )
    review = sign(patient, injector, location, treated_at)
    assert review.local_start.date() == day + datetime.timedelta(days=1)
    assert review.local_start.time() == datetime.time(11, 0)


def test_signing_twice_books_one_review(patient, injector, location, treated_at):
    first = sign(patient, injector, location, treated_at)
    again = sign(patient, injector, location, treated_at)
    assert first == again
    assert Appointment.objects.filter(kind=Appointment.Kind.REVIEW).count() == 1
    assert DueReview.objects.count() == 1


def test_cancelled_review_returns_to_the_list_until_done(
    patient, injector, location, treated_at, front_desk
):
    review = sign(patient, injector, location, treated_at)
    scheduling.change_status(appointment=review, to=Status.CANCELLED, by=front_desk, reason="Away")
    due = DueReview.objects.get()
    assert due.status == DueReview.Status.OPEN
    assert list(DueReview.objects.needing_booking()) == [due]
    rebooked = scheduling.book_due_review(due=due, by=front_desk)
    due.refresh_from_db()
    assert due.status == DueReview.Status.BOOKED and due.appointment == rebooked
    for to in (Status.ARRIVED, Status.COMPLETED):
        scheduling.change_status(appointment=rebooked, to=to, by=injector)
    due.refresh_from_db()
    assert due.status == DueReview.Status.DONE and due.closed_by == injector


def test_missed_review_shows_as_overdue_until_dismissed(patient, injector, location, front_desk):
    treated = timezone.now() - datetime.timedelta(days=23)
    review = make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.REVIEW,
        starts_at=timezone.now() - datetime.timedelta(days=9),
    )
    due = DueReview.objects.create(
        patient=patient,
        injector=injector,
        location=location,
        treated_at=treated,
        due_on=(treated + datetime.timedelta(days=14)).date(),
        overdue_after=(treated + datetime.timedelta(days=21)).date(),
        appointment=review,
        status=DueReview.Status.BOOKED,
    )
    scheduling.change_status(appointment=review, to=Status.NO_SHOW, by=front_desk)
    due.refresh_from_db()
    assert due.status == DueReview.Status.OPEN and due.is_overdue(timezone.localdate())
    with pytest.raises(scheduling.SchedulingError, match="reason"):
        scheduling.dismiss_due_review(due=due, reason=" ", by=front_desk)
    scheduling.dismiss_due_review(due=due, reason="Moved abroad", by=front_desk)
    due.refresh_from_db()
    assert (due.status, due.dismissed_reason) == (DueReview.Status.DISMISSED, "Moved abroad")


def test_record_review_done_closes_the_due_review(patient, injector, location, treated_at):
    sign(patient, injector, location, treated_at)
    due = scheduling.record_review_done(patient=patient, treated_at=treated_at, by=injector)
    assert due.status == DueReview.Status.DONE
    with pytest.raises(scheduling.SchedulingError, match="already closed"):
        sign(patient, injector, location, treated_at)


def test_an_old_treatment_books_from_now_on(patient, injector, location):
    treated = timezone.now() - datetime.timedelta(days=20)
    review = sign(patient, injector, location, treated)
    assert review.starts_at > timezone.now()
    assert review.local_start.date() >= local_today(location)


def test_no_free_time_keeps_the_review_on_the_list(patient, injector, location, treated_at):
    for days in range(14, 29):
        day = local_today(location) + datetime.timedelta(days=days)
        make_appointment(
            patient=PatientFactory(),
            injector=injector,
            starts_at=at(location, day, "09:00"),
            minutes=540,
        )
    # As charting signs: inside its transaction, catching NoFreeSlot and going on.
    with transaction.atomic(), pytest.raises(scheduling.NoFreeSlot, match="no free time"):
        sign(patient, injector, location, treated_at)
    due = DueReview.objects.get(patient=patient)
    assert due.status == DueReview.Status.OPEN and due.appointment is None
    assert not Appointment.objects.filter(kind=Appointment.Kind.REVIEW).exists()
