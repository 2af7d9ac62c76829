"""Opening hours per weekday and an injector's working hours and break (issue 19,
"Hours"). The rule is ``clinic.hours``:

- refused: a weekday the location has no opening hours (like a closed day);
- a warning the desk confirms: outside the day's opening hours, outside the
  injector's working hours there, in their break;
- never offered: free slots, the grids' free times (shaded, saying why).

Its doors, each tried here: the desk's booking page, moving (the reschedule
page), the Django admin's appointment form, free slots (``slots.free_days``),
the day and week grids; the admin inlines refuse bad hours with a message. The
review's booking is in tests/charting/test_review_hours.py. All times are the
location's wall clock, DST days included (America/New_York).
"""

from __future__ import annotations

import datetime
import html

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic import scheduling
from clinic.errors import SchedulingError
from clinic.hours import closures, hours_warning
from clinic.models import Appointment, OpeningHours, WorkingHours
from clinic.slots import free_days, local_today
from tests.factories import PatientFactory, at, make_appointment

pytestmark = pytest.mark.django_db

T = datetime.time


def next_weekday(location, weekday: int) -> datetime.date:
    day = local_today(location) + datetime.timedelta(days=2)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


FRIDAY, SATURDAY = (T(9), T(16)), (T(10), T(14))


def week_of_hours(location, friday=FRIDAY, saturday=SATURDAY):
    """Mon–Thu 9–18, Fri 9–16, Sat 10–14, Sunday closed."""
    for weekday in range(4):
        OpeningHours.objects.create(
            location=location, weekday=weekday, opens_at=T(9), closes_at=T(18)
        )
    OpeningHours.objects.create(
        location=location, weekday=4, opens_at=friday[0], closes_at=friday[1]
    )
    OpeningHours.objects.create(
        location=location, weekday=5, opens_at=saturday[0], closes_at=saturday[1]
    )


def works(injector, location, weekday, start, end, lunch=(None, None)):
    return WorkingHours.objects.create(
        injector=injector,
        location=location,
        weekday=weekday,
        starts_at=start,
        ends_at=end,
        break_starts_at=lunch[0],
        break_ends_at=lunch[1],
    )


def starts_on(location, injector, day, minutes=30, patient=None):
    zone_day = free_days(
        injector=injector,
        patient=patient,
        location=location,
        minutes=minutes,
        preferred=at(location, day, "00:00"),
        earliest=at(location, day, "00:00"),
        last_day=day,
    )[0]
    return zone_day, sorted(
        s.astimezone(at(location, day, "00:00").tzinfo) for s in zone_day.starts
    )


def local_times(location, starts):
    from clinic.slots import zone_of

    return [f"{s.astimezone(zone_of(location)):%H:%M}" for s in starts]


# Free slots.


def test_free_slots_follow_the_weekdays_opening_hours(location, injector):
    week_of_hours(location)
    friday, saturday = next_weekday(location, 4), next_weekday(location, 5)
    sunday = next_weekday(location, 6)
    _, starts = starts_on(location, injector, friday)
    times = local_times(location, starts)
    assert times[0] == "09:00" and times[-1] == "15:30"
    _, starts = starts_on(location, injector, saturday)
    times = local_times(location, starts)
    assert times[0] == "10:00" and times[-1] == "13:30"
    day, starts = starts_on(location, injector, sunday)
    assert starts == [] and "closed on Sundays" in day.closed


def test_free_slots_follow_the_injectors_hours_and_skip_the_break(
    location, other_location, injector
):
    monday = next_weekday(location, 0)
    works(injector, location, 0, T(9), T(14), lunch=(T(12, 30), T(13)))
    works(injector, other_location, 3, T(9), T(17))  # Thursdays elsewhere
    _, starts = starts_on(location, injector, monday)
    times = local_times(location, starts)
    assert times[0] == "09:00" and times[-1] == "13:30"
    assert "12:15" not in times and "12:30" not in times and "12:45" not in times
    assert "12:00" in times and "13:00" in times
    thursday = next_weekday(location, 3)
    day, starts = starts_on(location, injector, thursday)
    assert starts == [] and f"at {other_location.name}" in day.closed


def test_an_injector_without_hours_works_whenever_the_location_is_open(location, injector):
    times = local_times(location, starts_on(location, injector, next_weekday(location, 2))[1])
    assert times[0] == "09:00" and times[-1] == "17:30" and len(times) == 35


# The booking checks: refusal and warnings, at every door.


def test_a_weekday_without_opening_hours_is_refused(patient, injector, location):
    week_of_hours(location)
    sunday = next_weekday(location, 6)
    when = at(location, sunday, "11:00")
    with pytest.raises(SchedulingError, match="closed on Sundays"):
        scheduling.check_booking(
            patient=patient,
            kind="consultation",
            location=location,
            injector=injector,
            starts_at=when,
            ends_at=when + datetime.timedelta(minutes=30),
        )


def booking(patient, injector, location, day, start, **extra):
    return {
        "patient": patient.pk,
        "kind": "consultation",
        "location": location.pk,
        "injector": injector.pk,
        "day": day,
        "start": start,
        "end": "",
        "desk_note": "",
        **extra,
    }


@pytest.mark.parametrize(
    "start, warning",
    [
        ("12:45", "falls in Ina Tester's break 12:30–13:00"),
        ("15:00", "Ina Tester works 09:00–14:00 at Riverside Test Clinic on Mondays"),
        ("15:45", "is open 09:00–16:00 on Fridays"),
    ],
)
def test_the_booking_page_warns_then_books(
    desk_client, patient, injector, location, start, warning
):
    """Door: the desk's booking page. In the break, outside the injector's hours,
    after the day's closing: a warning, booked once confirmed."""
    week_of_hours(location)
    works(injector, location, 0, T(9), T(14), lunch=(T(12, 30), T(13)))
    works(injector, location, 4, T(9), T(18))
    day = next_weekday(location, 4 if "Fridays" in warning else 0)
    data = booking(patient, injector, location, day, start)
    page = desk_client.post(reverse("appointment_book"), data)
    assert page.status_code == 200 and warning in html.unescape(page.text)
    assert not Appointment.objects.exists()
    data["confirm_outside_hours"] = "on"
    assert desk_client.post(reverse("appointment_book"), data).status_code == 302
    assert Appointment.objects.count() == 1


def test_moving_into_a_break_warns(desk_client, patient, injector, location):
    """Door: moving (the reschedule page)."""
    monday = next_weekday(location, 0)
    works(injector, location, 0, T(9), T(17), lunch=(T(12, 30), T(13, 15)))
    appointment = make_appointment(
        patient=patient, injector=injector, starts_at=at(location, monday, "10:00")
    )
    url = reverse("appointment_reschedule", args=[appointment.pk])
    data = {"injector": injector.pk, "day": monday, "start": "13:00", "end": ""}
    page = desk_client.post(url, data)
    assert page.status_code == 200 and "break 12:30–13:15" in page.text
    appointment.refresh_from_db()
    assert appointment.local_start.time() == T(10)
    data["start"] = "13:15"  # just after the break: no question
    assert desk_client.post(url, data).status_code == 302
    appointment.refresh_from_db()
    assert appointment.local_start.time() == T(13, 15)


def test_the_admin_form_warns_outside_the_injectors_hours(
    admin_client, patient, injector, location
):
    """Door: the Django admin's appointment form."""
    from tests.clinic.test_admin_booking import add

    works(injector, location, 1, T(13), T(18))
    tuesday = next_weekday(location, 1)
    page = add(admin_client, patient, injector, location, at(location, tuesday, "10:00"))
    assert page.status_code == 200 and "works 13:00–18:00" in page.text
    assert not Appointment.objects.exists()
    page = add(
        admin_client,
        patient,
        injector,
        location,
        at(location, tuesday, "10:00"),
        confirm_outside_hours="on",
    )
    assert page.status_code == 200 and Appointment.objects.count() == 1


# The grids.


def test_the_day_and_week_grids_shade_the_break_and_offer_no_time_there(
    desk_client, injector, location
):
    monday = next_weekday(location, 0)
    works(injector, location, 0, T(9), T(14), lunch=(T(12, 30), T(13)))
    name = injector.get_full_name()
    page = desk_client.get(f"/day/?day={monday.isoformat()}&location={location.pk}")
    text = html.unescape(page.text)
    assert f"{name}'s break 12:30–13:00" in text
    assert f"Outside {name}'s hours here (09:00–14:00)" in text
    assert f'aria-label="Book {name} at 12:00"' in page.text
    for taken in ("12:30", "12:45", "14:00", "17:45"):
        assert f'aria-label="Book {name} at {taken}"' not in page.text, taken
    week = desk_client.get(f"/week/?day={monday.isoformat()}&injector={injector.pk}")
    assert f"{name}'s break 12:30–13:00" in html.unescape(week.text)
    assert (
        f'href="/appointments/new/?injector={injector.pk}&location={location.pk}&day={monday.isoformat()}&start=12:30"'
        not in week.text
    )


def test_the_day_view_says_an_injector_works_elsewhere_that_day(
    desk_client, injector, location, other_location
):
    thursday = next_weekday(location, 3)
    works(injector, other_location, 3, T(9), T(17))
    page = desk_client.get(f"/day/?day={thursday.isoformat()}&location={location.pk}")
    assert (
        f"{injector.get_full_name()} does not work at {location.name} on Thursdays "
        f"(at {other_location.name})" in page.text
    )
    assert f"Book {injector.get_full_name()} at" not in page.text


def test_an_injector_with_hours_on_other_weekdays_only_does_not_work_that_day(
    desk_client, injector, location
):
    """The hours are read for the span's weekdays only (clinic.hours.closures); an
    injector whose hours are all on other weekdays still has hours: not bookable on
    the day, and the grid says why under their name (doors: the day view, the week
    view, the booking page's refusal to offer a time, the free-slot search)."""
    thursday = next_weekday(location, 3)
    works(injector, location, 0, T(9), T(17))  # Mondays only
    known = closures(location=location, first_day=thursday, last_day=thursday)
    assert known.shifts_on(injector.pk, thursday) == []
    assert known.bookable(injector, thursday) == []
    page = desk_client.get(f"/day/?day={thursday.isoformat()}&location={location.pk}")
    assert f"{injector.get_full_name()} does not work at {location.name} on Thursdays" in page.text
    assert f"Book {injector.get_full_name()} at" not in page.text
    week = desk_client.get(f"/week/?injector={injector.pk}&day={thursday.isoformat()}")
    monday, links = thursday - datetime.timedelta(days=3), html.unescape(week.text)
    assert f"&day={monday.isoformat()}&start=09:00" in links
    assert f"&day={thursday.isoformat()}&start=09:00" not in links
    assert starts_on(location, injector, thursday)[1] == []


def test_the_grids_query_count_stays_with_hours(
    desk_client, injector, location, django_assert_num_queries
):
    """Hours entered change no count (tests/clinic/test_schedule_pages.py: 8 and 9)."""
    week_of_hours(location)
    monday = next_weekday(location, 0)
    works(injector, location, 0, T(9), T(14), lunch=(T(12, 30), T(13)))
    for n in range(6):
        make_appointment(
            patient=PatientFactory(),
            injector=injector,
            starts_at=at(location, monday, f"{9 + n}:00"),
        )
    with django_assert_num_queries(7):
        page = desk_client.get(f"/day/?day={monday.isoformat()}")
    assert "break 12:30–13:00" in page.text
    with django_assert_num_queries(8):
        desk_client.get(f"/week/?day={monday.isoformat()}&injector={injector.pk}")


# DST days, on the location's wall clock.


@pytest.mark.parametrize(
    "day, utc_offset",
    [(datetime.date(2026, 3, 8), -4), (datetime.date(2026, 11, 1), -5)],
    ids=["spring-forward", "fall-back"],
)
def test_hours_on_a_dst_day_are_wall_clock(patient, injector, location, day, utc_offset):
    """Sunday hours 10–14 with a break 12:00–12:30 on the days the clocks change:
    free slots (door: free slots) and the booking checks speak the local clock."""
    assert location.time_zone == "America/New_York"
    OpeningHours.objects.create(location=location, weekday=6, opens_at=T(10), closes_at=T(14))
    works(injector, location, 6, T(10), T(14), lunch=(T(12), T(12, 30)))
    found = free_days(
        injector=injector,
        patient=patient,
        location=location,
        minutes=30,
        preferred=at(location, day, "10:00"),
        earliest=at(location, day, "00:00"),
        last_day=day,
    )[0]
    starts = sorted(found.starts)
    assert starts[0] == datetime.datetime(
        day.year, day.month, day.day, 10 - utc_offset, tzinfo=datetime.UTC
    )
    assert local_times(location, starts) == [
        "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30",
        "12:30", "12:45", "13:00", "13:15", "13:30",
    ]  # fmt: skip
    # The booking checks, on that day's clock (now: the day before).
    now = at(location, day - datetime.timedelta(days=1), "12:00")
    inside, in_break, early = (at(location, day, t) for t in ("10:00", "12:00", "09:30"))
    half = datetime.timedelta(minutes=30)
    scheduling.check_booking(
        patient=patient,
        kind="consultation",
        location=location,
        injector=injector,
        starts_at=inside,
        ends_at=inside + half,
        now=now,
    )
    assert (
        hours_warning(location=location, injector=injector, starts_at=inside, ends_at=inside + half)
        == ""
    )
    assert "break 12:00–12:30" in hours_warning(
        location=location, injector=injector, starts_at=in_break, ends_at=in_break + half
    )
    assert "is open 10:00–14:00 on Sundays" in hours_warning(
        location=location, injector=injector, starts_at=early, ends_at=early + half
    )
    monday = day + datetime.timedelta(days=1)  # no Monday hours: a closed weekday
    with pytest.raises(SchedulingError, match="closed on Mondays"):
        scheduling.check_booking(
            patient=patient,
            kind="consultation",
            location=location,
            injector=injector,
            starts_at=at(location, monday, "10:00"),
            ends_at=at(location, monday, "10:30"),
            now=now,
        )


# Bad input: a message on the form, never a 500; the database holds too.


def user_change_data(user, rows):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "title": user.title,
        "default_location": user.default_location_id or "",
        "groups": [g.pk for g in user.groups.all()],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "working_hours-TOTAL_FORMS": len(rows),
        "working_hours-INITIAL_FORMS": 0,
        "working_hours-MIN_NUM_FORMS": 0,
        "working_hours-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"working_hours-{i}-{key}"] = value
        data[f"working_hours-{i}-injector"] = user.pk
    return data


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"weekday": 0, "starts_at": "14:00", "ends_at": "09:00"}], "end after they start"),
        (
            [
                {
                    "weekday": 0,
                    "starts_at": "09:00",
                    "ends_at": "14:00",
                    "break_starts_at": "13:30",
                    "break_ends_at": "14:30",
                }
            ],
            "is outside the working hours",
        ),
        (
            [
                {
                    "weekday": 0,
                    "starts_at": "09:00",
                    "ends_at": "14:00",
                    "break_starts_at": "13:00",
                    "break_ends_at": "12:30",
                }
            ],
            "The break ends after it starts",
        ),
        (
            [{"weekday": 0, "starts_at": "09:00", "ends_at": "14:00", "break_starts_at": "12:30"}],
            "Give the break's start and its end",
        ),
        (
            [
                {"weekday": 2, "starts_at": "09:00", "ends_at": "13:00"},
                {"weekday": 2, "starts_at": "12:00", "ends_at": "17:00"},
            ],
            "overlap",
        ),
    ],
    ids=["ends-before-start", "break-outside", "break-backwards", "half-a-break", "overlapping"],
)
def test_bad_working_hours_are_a_message_in_the_admin(
    admin_client, injector, location, rows, message
):
    for row in rows:
        row["location"] = location.pk
    url = f"/admin/clinic/user/{injector.pk}/change/"
    assert admin_client.get(url).status_code == 200
    page = admin_client.post(url, user_change_data(injector, rows))
    assert page.status_code == 200 and message in html.unescape(page.text), page.context[
        "inline_admin_formsets"
    ][0].formset.errors
    assert not WorkingHours.objects.exists()


def test_good_working_hours_are_saved_in_the_admin(admin_client, injector, location):
    rows = [
        {"weekday": 0, "location": location.pk, "starts_at": "09:00", "ends_at": "14:00",
         "break_starts_at": "12:30", "break_ends_at": "13:00"},
        {"weekday": 2, "location": location.pk, "starts_at": "09:00", "ends_at": "13:00"},
    ]  # fmt: skip
    page = admin_client.post(
        f"/admin/clinic/user/{injector.pk}/change/", user_change_data(injector, rows)
    )
    assert page.status_code == 302
    assert WorkingHours.objects.filter(injector=injector).count() == 2


def test_opening_hours_that_close_before_they_open_are_a_message(admin_client, location):
    data = {
        "name": location.name,
        "address": "",
        "phone": "",
        "time_zone": location.time_zone,
        "opens_at": "09:00",
        "closes_at": "18:00",
        "is_active": "on",
        "opening_hours-TOTAL_FORMS": 2,
        "opening_hours-INITIAL_FORMS": 0,
        "opening_hours-MIN_NUM_FORMS": 0,
        "opening_hours-MAX_NUM_FORMS": 7,
        "opening_hours-0-weekday": 0,
        "opening_hours-0-opens_at": "18:00",
        "opening_hours-0-closes_at": "09:00",
        "opening_hours-1-weekday": 1,
        "opening_hours-1-opens_at": "09:00",
        "opening_hours-1-closes_at": "17:00",
        "closed_days-TOTAL_FORMS": 0,
        "closed_days-INITIAL_FORMS": 0,
        "closed_days-MIN_NUM_FORMS": 0,
        "closed_days-MAX_NUM_FORMS": 1000,
        "rooms-TOTAL_FORMS": 0,
        "rooms-INITIAL_FORMS": 0,
        "rooms-MIN_NUM_FORMS": 0,
        "rooms-MAX_NUM_FORMS": 1000,
    }
    url = f"/admin/clinic/location/{location.pk}/change/"
    page = admin_client.post(url, data)
    assert page.status_code == 200 and "The location closes after it opens" in page.text
    assert not OpeningHours.objects.exists()
    data["opening_hours-1-weekday"] = 0  # Monday twice
    data["opening_hours-0-opens_at"], data["opening_hours-0-closes_at"] = "09:00", "12:00"
    page = admin_client.post(url, data)
    assert page.status_code == 200, page
    assert "duplicate data for weekday" in page.text, page.context["inline_admin_formsets"][
        0
    ].formset.non_form_errors()
    data["opening_hours-1-weekday"] = 1
    assert admin_client.post(url, data).status_code == 302
    assert OpeningHours.objects.filter(location=location).count() == 2


def test_the_database_refuses_bad_hours_too(injector, location):
    for bad in (
        {"starts_at": T(14), "ends_at": T(9)},
        {"starts_at": T(9), "ends_at": T(14), "break_starts_at": T(13), "break_ends_at": T(15)},
        {"starts_at": T(9), "ends_at": T(14), "break_starts_at": T(12)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            WorkingHours.objects.create(injector=injector, location=location, weekday=0, **bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(location=location, weekday=0, opens_at=T(18), closes_at=T(9))
