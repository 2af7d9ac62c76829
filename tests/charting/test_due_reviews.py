"""The two-week review a signed treatment is owed: booked when the treatment is
signed, and its state on the front desk's list after that.

Doors that book or unbook a review, and must all move the list: signing
(``sign_treatment``), the list's one-click "Book review", the booking form or
the Django admin (any review appointment counts: ``scheduling.book_appointment``),
a cancellation or no-show at the desk, completing the appointment, signing the
review (``record_review_done``), dismissing with a reason.
"""

import datetime

import pytest
from django.utils import timezone

from charting import due_reviews
from charting.models import DueReview, Treatment
from charting.signing import seal, sign_treatment
from clinic import scheduling
from clinic.errors import SchedulingError
from clinic.models import Appointment
from clinic.slots import local_today
from tests.factories import PASSWORD, PatientFactory, at, charted_treatment, make_appointment

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def treated_at(location):
    """A treatment started today at 11:00 local."""
    return at(location, local_today(location), "11:00")


def treatment_started(patient, injector, started_at) -> Treatment:
    """A chart ready to sign, started at ``started_at``."""
    return charted_treatment(patient=patient, injector=injector, started_at=started_at)


def book(patient, injector, treated_at, days=14):
    treatment = treatment_started(patient, injector, treated_at)
    return due_reviews.book_review(treatment=treatment, days=days, by=injector)


def occupy(injector, location, day, hhmm, minutes):
    """Another patient's appointment takes the injector's time from ``hhmm`` on ``day``."""
    make_appointment(
        patient=PatientFactory(),
        injector=injector,
        starts_at=at(location, day, hhmm),
        minutes=minutes,
    )


def due_of(patient) -> DueReview:
    return DueReview.objects.with_state().get(patient=patient)


def test_books_day_14_same_injector_location_and_time(patient, injector, location, treated_at):
    review = book(patient, injector, treated_at)
    assert review.kind == Appointment.Kind.REVIEW
    assert (review.injector, review.location, review.status) == (injector, location, Status.BOOKED)
    assert review.local_start.date() == local_today(location) + datetime.timedelta(days=14)
    assert review.local_start.time() == datetime.time(11, 0)
    assert review.minutes == 15
    due = due_of(patient)
    assert due.state == "booked" and due.booked_id == review.pk
    assert due.due_on == review.local_start.date()
    assert due.overdue_after == local_today(location) + datetime.timedelta(days=21)


def test_review_day_is_adjustable_from_10_to_21(patient, injector, location, treated_at):
    review = book(patient, injector, treated_at, days=10)
    assert review.local_start.date() == local_today(location) + datetime.timedelta(days=10)
    for days in (9, 22):
        with pytest.raises(SchedulingError, match="10 to 21 days"):
            book(PatientFactory(), injector, treated_at, days=days)


def test_busy_time_moves_to_the_nearest_free_slot(patient, injector, location, treated_at):
    day = local_today(location) + datetime.timedelta(days=14)
    occupy(injector, location, day, "10:30", minutes=60)
    review = book(patient, injector, treated_at)
    assert review.local_start.date() == day
    assert review.local_start.time() in (datetime.time(10, 15), datetime.time(11, 30))


def test_a_full_day_moves_to_the_next_day(patient, injector, location, treated_at):
    day = local_today(location) + datetime.timedelta(days=14)
    occupy(injector, location, day, "09:00", minutes=540)
    review = book(patient, injector, treated_at)
    assert review.local_start.date() == day + datetime.timedelta(days=1)
    assert review.local_start.time() == datetime.time(11, 0)


def test_booking_twice_books_one_review(patient, injector, treated_at):
    treatment = treatment_started(patient, injector, treated_at)
    first = due_reviews.book_review(treatment=treatment, by=injector)
    again = due_reviews.book_review(treatment=treatment, by=injector)
    assert first == again
    assert Appointment.objects.filter(kind=Appointment.Kind.REVIEW).count() == 1
    assert DueReview.objects.count() == 1


def test_cancelled_review_returns_to_the_list_until_done(patient, injector, treated_at, front_desk):
    review = book(patient, injector, treated_at)
    scheduling.change_status(appointment=review, to=Status.CANCELLED, reason="Away")
    due = due_of(patient)
    assert due.state == "open"
    assert list(DueReview.objects.needing_booking()) == [due]
    rebooked = due_reviews.book_due_review(due=due, by=front_desk)
    assert due_of(patient).state == "booked" and due_of(patient).booked_id == rebooked.pk
    for to in (Status.ARRIVED, Status.COMPLETED):  # on the review's day
        scheduling.change_status(appointment=rebooked, to=to, now=rebooked.starts_at)
    assert due_of(patient).state == "done"
    assert not DueReview.objects.still_owed().exists()


def test_a_review_booked_through_the_booking_form_takes_it_off_the_list(
    patient, injector, location, treated_at, front_desk
):
    treatment = treatment_started(patient, injector, treated_at)
    due_reviews.record_due_review(treatment=treatment, days=14, by=injector)
    assert due_of(patient).state == "open"
    scheduling.book_appointment(
        patient=patient,
        kind=Appointment.Kind.REVIEW,
        location=location,
        injector=injector,
        starts_at=at(location, local_today(location) + datetime.timedelta(days=15), "15:00"),
        by=front_desk,
    )
    assert due_of(patient).state == "booked"
    assert not DueReview.objects.needing_booking().exists()


def signed_cycle(patient, injector, days_ago: int) -> DueReview:
    """A treatment ``days_ago`` days ago, signed, with its due review (not booked)."""
    treatment = treatment_started(
        patient, injector, timezone.now() - datetime.timedelta(days=days_ago)
    )
    seal(treatment=treatment, by=injector, at=treatment.started_at, review_days=14)
    return due_reviews.record_due_review(treatment=treatment, days=14, by=injector)


def review_at(patient, injector, days: int, status=Status.BOOKED) -> Appointment:
    return make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.REVIEW,
        starts_at=timezone.now() + datetime.timedelta(days=days),
        status=status,
    )


def test_a_review_appointment_belongs_to_the_nearest_treatment_before_it(patient, injector):
    """Each review appointment counts for one cycle: from day 10 after its treatment
    and before the patient's next signed treatment, even when treatments are close
    together."""
    review_at(patient, injector, -130, Status.COMPLETED)  # before both: nobody's review
    first = signed_cycle(patient, injector, days_ago=100)
    review_at(patient, injector, -86, Status.COMPLETED)  # the first cycle's review
    second = signed_cycle(patient, injector, days_ago=10)
    third_patient_treatment_week_later = signed_cycle(patient, injector, days_ago=3)
    review_at(patient, injector, 8)  # day 11 after the third: its review only
    states = {d.pk: d.state for d in DueReview.objects.with_state()}
    assert states[first.pk] == "done"
    assert states[second.pk] == "open"  # the next treatment came before any review
    assert states[third_patient_treatment_week_later.pk] == "booked"


def test_a_long_overdue_review_still_books(patient, injector, front_desk):
    """Months late, "Book review" still books it, and the list shows it booked."""
    due = signed_cycle(patient, injector, days_ago=130)
    due_reviews.book_due_review(due=due, by=front_desk)
    assert DueReview.objects.with_state().get(pk=due.pk).state == "booked"
    assert not DueReview.objects.needing_booking().exists()


def test_missed_review_shows_as_overdue_until_dismissed(patient, injector, front_desk):
    treatment = treatment_started(patient, injector, timezone.now() - datetime.timedelta(days=23))
    due_reviews.record_due_review(treatment=treatment, days=14, by=injector)
    review = make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.REVIEW,
        starts_at=timezone.now() - datetime.timedelta(days=9),
    )
    assert due_of(patient).state == "booked"
    scheduling.change_status(appointment=review, to=Status.NO_SHOW)
    due = due_of(patient)
    assert due.state == "open" and due.is_overdue(timezone.localdate())
    with pytest.raises(SchedulingError, match="reason"):
        due_reviews.dismiss_due_review(due=due, reason=" ", by=front_desk)
    due_reviews.dismiss_due_review(due=due, reason="Moved abroad", by=front_desk)
    due = due_of(patient)
    assert (due.state, due.dismissed_reason) == ("dismissed", "Moved abroad")


def test_record_review_done_closes_the_due_review(patient, injector, treated_at):
    treatment = treatment_started(patient, injector, treated_at)
    due_reviews.book_review(treatment=treatment, by=injector)
    due = due_reviews.record_review_done(treatment=treatment, by=injector)
    assert due.closed_as == "done"
    with pytest.raises(SchedulingError, match="already done"):
        due_reviews.book_review(treatment=treatment, by=injector)


def test_an_old_treatment_books_from_now_on(patient, injector, location):
    review = book(patient, injector, timezone.now() - datetime.timedelta(days=20))
    assert review.starts_at > timezone.now()
    assert review.local_start.date() >= local_today(location)


def test_no_free_time_keeps_the_review_on_the_list(patient, injector, location, treated_at):
    """Through the real door: signing goes on, and the review waits on the desk's list."""
    for days in range(14, 29):
        day = local_today(location) + datetime.timedelta(days=days)
        occupy(injector, location, day, "09:00", minutes=540)
    treatment = treatment_started(patient, injector, treated_at)
    signed = sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    assert signed.treatment.is_signed and signed.review is None
    assert "no free time" in signed.review_message
    due = due_of(patient)
    assert due.treatment == treatment and due.state == "open"
    assert not Appointment.objects.filter(kind=Appointment.Kind.REVIEW).exists()
