"""The front desk's figures (issue 19): no-show rate, utilisation per injector and the
reviews booked within days 10–21, per week and location, checked against a small week
counted by hand; the page's queries do not grow with weeks or appointments; who sees it.

Rules: ``clinic.figures`` (no-shows, utilisation through a per-resource
``ResourceKind``; closed days and time off through ``clinic.hours.Closures``) and
``charting.review_figures`` (the window of ``charting.review_timing``). Door: the
figures page (``charting.views.figures``), front desk and clinic admin.
"""

from __future__ import annotations

import datetime
import html
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from charting.due_reviews import dismiss_due_review
from clinic.figures import figures
from clinic.models import Appointment, ClosedDay, TimeOff
from clinic.slots import local_today
from tests.factories import PatientFactory, UserFactory, at, make_appointment, make_due_review

pytestmark = pytest.mark.django_db
Status = Appointment.Status
DAY_MINUTES = 9 * 60  # the factory's location: 09:00–18:00
_review_times = itertools.count()  # each review appointment at its own quarter hour, 09-15


@pytest.fixture
def monday(location):
    """The Monday five weeks back: every appointment of its week has passed."""
    today = local_today(location)
    return today - datetime.timedelta(days=today.weekday() + 35)


@pytest.fixture
def week(location, other_location, injector, monday):
    """One hand-counted week at the location (see the test's arithmetic)."""
    location.closed_weekdays = "6"  # Sundays
    location.save(update_fields=["closed_weekdays"])
    wednesday = monday + datetime.timedelta(days=2)
    ClosedDay.objects.create(location=location, day=wednesday, reason="Staff training")
    TimeOff.objects.create(  # Ina is away Thursday and Friday
        injector=injector,
        first_day=monday + datetime.timedelta(days=3),
        last_day=monday + datetime.timedelta(days=4),
        reason="Course",
    )
    visiting = UserFactory(first_name="Vic", last_name="Visitor", role="injector")

    def book(who, weekday, hhmm, minutes, status, where=location):
        make_appointment(
            patient=PatientFactory(),
            injector=who,
            location=where,
            starts_at=at(where, monday + datetime.timedelta(days=weekday), hhmm),
            minutes=minutes,
            status=status,
        )

    book(injector, 0, "10:00", 45, Status.COMPLETED)
    book(injector, 0, "11:00", 30, Status.NO_SHOW)
    book(injector, 1, "10:00", 60, Status.CANCELLED)
    book(injector, 5, "09:00", 15, Status.COMPLETED)
    book(visiting, 1, "14:00", 30, Status.COMPLETED)
    book(visiting, 4, "09:00", 30, Status.NO_SHOW)
    # not this week's, or not this location's
    book(injector, 7, "10:00", 45, Status.NO_SHOW)
    book(injector, 2, "10:00", 45, Status.NO_SHOW, where=other_location)
    return visiting


def due_review(location, injector, treated: datetime.date, review_day: int | None):
    """A due review of a treatment on ``treated``, its review appointment on that day after."""
    patient = PatientFactory()
    due = make_due_review(
        patient=patient,
        injector=injector,
        location=location,
        treated_days_ago=(local_today(location) - treated).days,
    )
    if review_day is not None:
        make_appointment(
            patient=patient,
            injector=injector,
            location=location,
            kind=Appointment.Kind.REVIEW,
            starts_at=at(location, treated + datetime.timedelta(days=review_day), "09:00")
            + datetime.timedelta(minutes=15 * (next(_review_times) % 24)),
            minutes=15,
            status=Status.COMPLETED,
        )
    return due


def test_a_week_counted_by_hand(location, other_location, injector, front_desk, monday, week):
    tuesday, thursday = (monday + datetime.timedelta(days=d) for d in (1, 3))
    due_review(location, injector, tuesday, 12)  # in the window
    due_review(location, injector, tuesday, 25)  # too late
    due_review(location, injector, thursday, None)  # never booked
    dismissed = due_review(location, injector, thursday, None)
    dismiss_due_review(due=dismissed, reason="Moved away", by=front_desk)
    due_review(other_location, injector, tuesday, 12)  # another location's

    (shown,) = [
        w
        for w in figures(locations=[location, other_location], last_week=monday, weeks=1)
        if w.location == location
    ]
    # no-shows: 5 past appointments not cancelled (Mon 10:00, Mon 11:00, Sat, Tue 14:00,
    # Fri), 2 of them no-shows
    assert (shown.past, shown.no_shows) == (5, 2)
    assert shown.no_show_rate == pytest.approx(0.4)
    # open days: Mon, Tue, Thu, Fri, Sat (Wednesday a holiday, Sunday closed) x 540 min;
    # Ina away Thu-Fri: 3 days. Ina booked 45 + 15 (the no-show and the cancelled not);
    # Vic booked 30 (the Friday no-show not).
    use = {u.label: u for u in shown.use["Injector"]}
    assert (use["Ina Tester"].booked_minutes, use["Ina Tester"].available_minutes) == (
        60,
        3 * DAY_MINUTES,
    )
    assert (use["Vic Visitor"].booked_minutes, use["Vic Visitor"].available_minutes) == (
        30,
        5 * DAY_MINUTES,
    )
    assert use["Ina Tester"].rate == pytest.approx(60 / 1620)

    from charting.review_figures import reviews_booked_in_window

    reviews = reviews_booked_in_window(
        locations=[location], first_day=monday, last_day=monday + datetime.timedelta(days=6)
    )
    # owed 3 (the dismissed one left out), 1 booked on day 12
    assert (reviews[(location.pk, monday)].owed, reviews[(location.pk, monday)].in_window) == (
        3,
        1,
    )


def test_the_page_says_the_figures_and_how_they_are_counted(
    admin_client, location, injector, monday, week
):
    tuesday = monday + datetime.timedelta(days=1)
    due_review(location, injector, tuesday, 12)
    due_review(location, injector, tuesday, 22)
    page = admin_client.get(
        reverse("front_desk_figures"),
        {"location": location.pk, "weeks": 1, "until": monday.isoformat()},
    )
    assert page.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "40 %" in text and "2 of 5" in text
    assert "Ina Tester: 4 % (60 of 1620 min)" in text
    assert "Vic Visitor: 1 % (30 of 2700 min)" in text
    assert "50 %" in text and "1 of 2" in text
    assert "none on their time off" in text


@pytest.mark.parametrize(
    "query",
    [
        {"weeks": "0"},
        {"weeks": "1e30"},
        {"weeks": "-3"},
        {"until": "9999-12-31"},
        {"until": "1200-01-01"},
        {"until": "not a day"},
        {"location": "99999999"},
        {"location": "<script>"},
    ],
)
def test_bad_input_is_a_message_not_a_500(admin_client, query):
    page = admin_client.get(reverse("front_desk_figures"), query)
    assert page.status_code == 200
    assert 'role="alert"' in page.text  # the field's message; the default figures below


def test_queries_do_not_grow_with_weeks_or_appointments(
    admin_client, location, other_location, injector, monday
):
    def count(weeks: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(
                reverse("front_desk_figures"), {"weeks": weeks, "until": monday.isoformat()}
            )
        assert page.status_code == 200
        return len(queries)

    few = count(2)
    for day in range(20):
        for where in (location, other_location):
            make_appointment(
                patient=PatientFactory(),
                injector=injector,
                location=where,
                starts_at=at(
                    where,
                    monday - datetime.timedelta(days=day),
                    "15:00" if where == location else "16:00",
                ),
                status=Status.NO_SHOW if day % 3 else Status.COMPLETED,
            )
        due_review(location, injector, monday - datetime.timedelta(days=day), 14)
    assert count(2) == few
    assert count(12) == few


@pytest.mark.parametrize(
    ("role", "status"), [("front desk", 200), ("clinic admin", 200), ("injector", 403)]
)
def test_who_sees_the_figures(client, cast, role, status):
    client.force_login(cast[role])
    assert client.get(reverse("front_desk_figures")).status_code == status


def test_the_figures_name_no_patient(desk_client, location, injector, monday, week):
    due_review(location, injector, monday + datetime.timedelta(days=1), 12)
    page = desk_client.get(reverse("front_desk_figures"), {"weeks": 1, "until": monday.isoformat()})
    assert page.status_code == 200
    for appointment in Appointment.objects.select_related("patient"):
        assert appointment.patient.last_name not in page.text


def test_available_minutes_follow_each_weekdays_hours_the_injectors_hours_and_rooms(
    location, injector, monday
):
    """The hours engineer's rules reach the figures (clinic.hours.Closures.bookable):
    a location open Mon 9–18 and Tue 9–13 only, an injector who works Mondays 10–16
    with a 12:00–12:30 break there, one treatment room booked 45 minutes."""
    from clinic.models import OpeningHours, WorkingHours
    from tests.factories import make_room

    T = datetime.time
    OpeningHours.objects.create(location=location, weekday=0, opens_at=T(9), closes_at=T(18))
    OpeningHours.objects.create(location=location, weekday=1, opens_at=T(9), closes_at=T(13))
    WorkingHours.objects.create(
        injector=injector,
        location=location,
        weekday=0,
        starts_at=T(10),
        ends_at=T(16),
        break_starts_at=T(12),
        break_ends_at=T(12, 30),
    )
    room = make_room(location, "Room 1")
    make_room(location, "Room 2")
    make_room(location, "Old room", is_active=False)
    make_appointment(
        patient=PatientFactory(),
        injector=injector,
        location=location,
        kind=Appointment.Kind.TREATMENT,
        room=room,
        starts_at=at(location, monday, "10:00"),
        minutes=45,
        status=Status.COMPLETED,
    )
    (shown,) = figures(locations=[location], last_week=monday, weeks=1)
    (ina,) = shown.use["Injector"]
    # Monday 10–16 less the half-hour break; no hours on Tuesday (works elsewhere or
    # not at all: none entered for it), the other weekdays closed.
    assert (ina.booked_minutes, ina.available_minutes) == (45, 6 * 60 - 30)
    rooms = {use.label: use for use in shown.use["Room"]}
    assert set(rooms) == {"Room 1", "Room 2"}  # the inactive room, never booked, not shown
    # a room is available while the location is open: Monday 540 + Tuesday 240
    assert (rooms["Room 1"].booked_minutes, rooms["Room 1"].available_minutes) == (45, 780)
    assert (rooms["Room 2"].booked_minutes, rooms["Room 2"].available_minutes) == (0, 780)
