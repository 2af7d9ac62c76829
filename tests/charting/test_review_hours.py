"""The two-week review and the hours (issue 19, "Hours"): a review is never booked
outside the location's opening hours, the injector's working hours or in their
break (``clinic.hours``, through ``clinic.slots.free_days``). A review due on a
day the location is closed or the injector is off moves to the nearest following
day the same injector works there, else to another injector who works at that
location, else stays on the reviews-due list.

Doors: the review booked at signing (``book_review``), the desk's one tap
(``book_due_review`` without a time) and a time the desk chose
(``book_due_review`` with one: a time in the break is refused). DST days are on
the location's wall clock (America/New_York).
"""

from __future__ import annotations

import datetime

import pytest

from charting import due_reviews
from charting.due_reviews import record_due_review
from charting.models import DueReview
from charting.models.due_reviews import DueReviewState
from clinic.errors import NoFreeSlot, SchedulingError
from clinic.models import Appointment, ClosedDay, TimeOff, WorkingHours
from clinic.roles import Role
from clinic.slots import local_today, zone_of
from tests.factories import PatientFactory, UserFactory, at, charted_treatment

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
T = datetime.time


def treated(*, location, injector, on: datetime.date, time: str = "10:00"):
    return charted_treatment(
        patient=PatientFactory(home_location=location),
        injector=injector,
        location=location,
        started_at=at(location, on, time),
    )


NINE, FIVE = T(9), T(17)


def works(injector, location, weekday, start=NINE, end=FIVE, lunch=(None, None)):
    WorkingHours.objects.create(
        injector=injector,
        location=location,
        weekday=weekday,
        starts_at=start,
        ends_at=end,
        break_starts_at=lunch[0],
        break_ends_at=lunch[1],
    )


def local(appointment: Appointment) -> datetime.datetime:
    return appointment.starts_at.astimezone(zone_of(appointment.location))


@pytest.mark.parametrize(
    "treated_on, utc_hour",
    [(datetime.date(2026, 2, 21), 14), (datetime.date(2026, 10, 17), 15)],
    ids=["spring-forward", "fall-back"],
)
def test_a_review_due_on_a_day_off_moves_to_the_dst_sunday_on_the_wall_clock(
    injector, location, treated_on, utc_hour
):
    """Treated on a Saturday at 10:00; day 14 is a Saturday the injector is off;
    the next day is the Sunday the clocks change: the review is at 10:00 there."""
    due_day = treated_on + 14 * DAY
    TimeOff.objects.create(injector=injector, first_day=due_day, last_day=due_day, reason="course")
    treatment = treated(location=location, injector=injector, on=treated_on)
    now = at(location, treated_on, "12:00")
    review = due_reviews.book_review(treatment=treatment, by=injector, now=now)
    sunday = due_day + DAY
    assert sunday.weekday() == 6 and sunday in (
        datetime.date(2026, 3, 8),
        datetime.date(2026, 11, 1),
    )
    assert review.starts_at == datetime.datetime.combine(sunday, T(utc_hour), datetime.UTC)
    assert local(review).time() == T(10) and review.injector == injector


def test_the_review_skips_the_break_and_the_days_the_injector_works_elsewhere(
    injector, location, other_location
):
    """Door: the review booked at signing. Treated on a Monday at 12:40; the injector
    works here on Tuesdays only (lunch 12:30–13:00), Mondays elsewhere."""
    today = local_today(location)
    monday = today + ((7 - today.weekday()) % 7 or 7) * DAY
    works(injector, other_location, 0)
    works(injector, location, 1, lunch=(T(12, 30), T(13)))
    treatment = treated(location=location, injector=injector, on=monday - 14 * DAY, time="12:40")
    review = due_reviews.book_review(treatment=treatment, by=injector)
    assert local(review).date() == monday + DAY  # the Tuesday after the due Monday
    assert local(review).time() == T(13)  # nearest 12:40 outside the break (12:15 ends 12:30)


def test_a_chosen_time_in_the_break_is_refused_and_one_tap_avoids_it(injector, location):
    """Doors: the desk's chosen time (refused in the break) and the one tap."""
    today = local_today(location)
    treated_on = today - 5 * DAY
    for weekday in range(7):
        works(injector, location, weekday, lunch=(T(10, 15), T(11)))
    treatment = treated(location=location, injector=injector, on=treated_on, time="10:30")
    due = record_due_review(treatment=treatment, days=14, by=injector)
    due = DueReview.objects.for_pages().get(pk=due.pk)
    in_break = at(location, due.due_on, "10:30")
    with pytest.raises(SchedulingError, match="Choose one of the times offered"):
        due_reviews.book_due_review(due=due, by=injector, starts_at=in_break)
    review = due_reviews.book_due_review(due=due, by=injector)
    # 10:00 (ending as the break starts) and 11:00 are as near 10:30: the earlier.
    assert local(review).date() == due.due_on and local(review).time() == T(10)


def test_when_the_injector_is_off_for_weeks_another_injector_there_takes_it(
    injector, location, other_location
):
    today = local_today(location)
    TimeOff.objects.create(injector=injector, first_day=today, last_day=today + 60 * DAY)
    elsewhere = UserFactory(email="elsewhere@test.clinic", role=Role.INJECTOR)
    works(elsewhere, other_location, (today + 14 * DAY).weekday())
    colleague = UserFactory(email="colleague@test.clinic", first_name="Cole", role=Role.INJECTOR)
    works(colleague, location, (today + 15 * DAY).weekday())  # in the day after the due day
    treatment = treated(location=location, injector=injector, on=today, time="11:00")
    review = due_reviews.book_review(treatment=treatment, by=injector)
    assert review.injector == colleague
    assert local(review).date() == today + 15 * DAY and local(review).time() == T(11)


@pytest.mark.parametrize(
    "colleague_away_until, booked_with, on_day",
    [(14, "colleague", 15), (27, "injector", 26)],
    ids=["colleague-in-the-window", "colleague-later"],
)
def test_past_day_21_an_earlier_colleague_takes_the_review(
    injector, location, colleague_away_until, booked_with, on_day
):
    """Door: the review booked at signing. The injector's first free day there is day
    26 (away until day 25), past the window. A colleague there free on day 15 takes it,
    inside days 10–21; one free only on day 28 does not, and the injector's day 26
    stands (overdue, on the list). (Signed late on a day whose last times had gone,
    the demo's Thursday-only injector was booked on day 28.)"""
    today = local_today(location)
    TimeOff.objects.create(injector=injector, first_day=today, last_day=today + 25 * DAY)
    colleague = UserFactory(email="colleague@test.clinic", first_name="Cole", role=Role.INJECTOR)
    for weekday in range(7):
        works(colleague, location, weekday)
    TimeOff.objects.create(
        injector=colleague, first_day=today, last_day=today + colleague_away_until * DAY
    )
    treatment = treated(location=location, injector=injector, on=today, time="11:00")
    review = due_reviews.book_review(treatment=treatment, by=injector)
    assert review.injector == {"colleague": colleague, "injector": injector}[booked_with]
    assert local(review).date() == today + on_day * DAY


def test_when_nobody_is_in_the_review_stays_on_the_list(injector, location):
    today = local_today(location)
    TimeOff.objects.create(injector=injector, first_day=today, last_day=today + 60 * DAY)
    for offset in range(10, 60):
        ClosedDay.objects.get_or_create(location=location, day=today + offset * DAY, reason="Works")
    UserFactory(email="colleague@test.clinic", role=Role.INJECTOR, default_location=location)
    treatment = treated(location=location, injector=injector, on=today, time="11:00")
    with pytest.raises(NoFreeSlot, match="stays on the reviews-due list"):
        due_reviews.book_review(treatment=treatment, by=injector)
    due = DueReview.objects.for_pages().get(treatment=treatment)
    assert due.state == DueReviewState.OPEN
    assert not Appointment.objects.filter(kind=Appointment.Kind.REVIEW).exists()
