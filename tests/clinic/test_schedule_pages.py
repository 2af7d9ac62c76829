"""The front desk's pages: day, week, my day; constant query counts."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import Appointment
from clinic.roles import Role
from clinic.slots import local_today
from clinic.slots import zone_of as location_zone
from tests.factories import PatientFactory, UserFactory, at, make_appointment

pytestmark = pytest.mark.django_db
DAY = datetime.date(2030, 5, 14)


def fill_day(location, count, day=DAY):
    """``count`` appointments at ``location`` on ``day``, ten per injector."""
    injectors = [
        UserFactory(role=Role.INJECTOR, default_location=location) for _ in range(-(-count // 10))
    ]
    patients = PatientFactory.create_batch(count)
    for n, patient in enumerate(patients):
        injector = injectors[n // 10]
        hhmm = f"{9 + (n % 10) // 2:02d}:{(n % 2) * 30:02d}"
        make_appointment(
            patient=patient,
            injector=injector,
            location=location,
            starts_at=at(location, day, hhmm),
            kind=list(Appointment.Kind)[n % 4],
        )
    return injectors


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_day_view_shows_columns_per_injector(desk_client, location):
    injectors = fill_day(location, 12)
    n, page = count_queries(desk_client, reverse("schedule_day"), {"day": DAY.isoformat()})
    titles = [c.title for c in page.context["grid"].columns]
    assert titles == sorted(i.get_full_name() for i in injectors)
    assert sum(len(c.blocks) for c in page.context["grid"].columns) == 12
    assert "Book Staff" in page.text  # free slots are links to book them


@pytest.mark.parametrize("count", [5, 100])
def test_day_view_query_count_is_constant(desk_client, location, count, django_assert_num_queries):
    fill_day(location, count)
    # 1 session, 2 user, 3 the user's roles, 4 the active locations (the user's default
    # one is picked from them; the navigation bar's list), 5 the appointments of the day
    # with patient/injector/location names, 6 the injector columns, 7 the location's
    # holidays and opening hours, the injectors' time off and working hours that day,
    # in one statement (clinic.hours; four before issue 22)
    with django_assert_num_queries(7):
        page = desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()})
    assert sum(len(c.blocks) for c in page.context["grid"].columns) == count


def test_grid_links_each_appointment_and_escapes_names(desk_client, injector, location):
    """The grid (clinic.calendar_grid, drawn by the fragment clinic/schedule_grid.jinja):
    each block links to its appointment and, while booked and ahead, to its
    rescheduling; names from the database are escaped (tests/clinic/test_markup.py
    tries worse ones)."""
    booking = make_appointment(
        patient=PatientFactory(first_name="<b>Bo</b>", last_name="O'Hara & Co"),
        injector=injector,
        location=location,
        starts_at=at(location, DAY, "10:00"),
    )
    shown = "&lt;b&gt;Bo&lt;/b&gt; O&#39;Hara &amp; Co"
    day = desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()}).text
    assert "<b>Bo</b>" not in day
    assert shown in day
    assert f'href="{booking.get_absolute_url()}"' in day
    assert f'data-reschedule-url="{reverse("appointment_reschedule", args=[booking.pk])}"' in day
    assert f'aria-label="Book {injector.get_full_name()} at 10:15"' in day
    week = desk_client.get(
        reverse("schedule_week"), {"injector": injector.pk, "day": DAY.isoformat()}
    ).text
    assert shown in week
    assert f"10:00–10:30 · Consultation · {location.name}" in week


@pytest.mark.parametrize("count", [5, 100])
def test_week_view_query_count_is_constant(desk_client, location, count, django_assert_num_queries):
    injector = fill_day(location, 10)[0]
    for n in range(count - 10 if count > 10 else 0):
        day = DAY + datetime.timedelta(days=1 + n % 4)
        make_appointment(
            patient=PatientFactory(),
            injector=injector,
            location=location,
            starts_at=at(location, day, f"{9 + (n // 4) % 9:02d}:{15 * ((n // 36) % 4):02d}"),
            minutes=15,
        )
    # 1 session, 2 user, 3 roles, 4 the active locations (the active one picked from
    # them, the navigation's), 5 the chosen injector (form), 6 the appointments of the
    # week, 7 the injector choices, 8 the location's holidays and opening hours, the
    # injector's time off and working hours that week, in one statement (clinic.hours;
    # four before issue 22)
    with django_assert_num_queries(8):
        desk_client.get(reverse("schedule_week"), {"injector": injector.pk, "day": DAY.isoformat()})


def test_my_day_lists_the_injectors_visits(client, injector, patient, location):
    today = local_today(location)
    mine = make_appointment(
        patient=patient, injector=injector, starts_at=at(location, today, "23:00")
    )
    client.force_login(injector)
    page = client.get(reverse("my_day"))
    assert list(page.context["appointments"]) == [mine]
    assert reverse("open_appointment", args=[mine.pk]) in page.text  # opens the visit


@pytest.mark.parametrize(
    "params",
    [{"day": "garbage", "location": "abc"}, {"day": "2030-02-31"}, {"location": "999999"}],
)
def test_bad_day_or_location_falls_back_without_a_500(desk_client, location, params):
    page = desk_client.get(reverse("schedule_day"), params)
    assert page.status_code == 200
    assert page.context["location"] == location
    week = desk_client.get(reverse("schedule_week"), {**params, "injector": "x"})
    assert week.status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_my_day_query_count_is_constant(
    client, injector, location, count, django_assert_num_queries
):
    today = local_today(location)
    for n in range(count):
        make_appointment(
            patient=PatientFactory(),
            injector=injector,
            starts_at=at(location, today, f"{9 + n // 4:02d}:{15 * (n % 4):02d}"),
            minutes=15,
        )
    client.force_login(injector)
    # 1 session, 2 user, 3 roles, 4 my appointments of the day with patient and
    # location, 5 the active location, 6 the navigation's locations
    with django_assert_num_queries(6):
        page = client.get(reverse("my_day"))
    assert len(page.context["appointments"]) == count


@pytest.fixture
def midday(location):
    """Noon of today at the location, the clock running from there: the day's lists
    are for today, and their appointments (30 minutes to 3 hours ahead) must fall on
    it whatever the hour the tests run (they were skipped after 21:00 there, which CI's
    SQLite run counts as a failure). Requested before the logged-in client, so its
    session starts on the same clock."""
    zone = location_zone(location)
    today = datetime.datetime.now(zone).date()
    noon = datetime.datetime.combine(today, datetime.time(12), tzinfo=zone)
    with time_machine.travel(noon, tick=True):
        yield noon


def test_today_lists_who_is_expected_and_one_tap_marks_arrival(
    midday, desk_client, injector, location
):
    from django.utils import timezone

    soon = make_appointment(
        patient=PatientFactory(first_name="Rosa", last_name="Quill"),
        injector=injector,
        starts_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    make_appointment(
        patient=PatientFactory(first_name="Later", last_name="Person"),
        injector=injector,
        starts_at=timezone.now() + datetime.timedelta(hours=3),
    )
    page = desk_client.get(reverse("schedule_day"))
    assert [a.pk for a in page.context["expected"]] == [soon.pk]
    assert f'action="{reverse("appointment_status", args=[soon.pk])}"' in page.text
    response = desk_client.post(
        reverse("appointment_status", args=[soon.pk]),
        {"to": "arrived", "next": reverse("schedule_day")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("schedule_day")
    assert [a.pk for a in response.context["here_now"]] == [soon.pk]
    assert response.context["expected"] == []


def test_todays_lists_escape_names_and_reasons_and_keep_the_arrival_form(
    midday, desk_client, injector, location
):
    """Expected, here now and cancelled are drawn by clinic/day_lists.jinja: every
    name and reason escaped, the "Arrived" form with its CSRF field. Seen to fail
    with ``|safe`` on the patient's name planted in the fragment."""
    from django.utils import timezone

    hostile = "<img src=x onerror=alert(1)>"
    for n, (status, first) in enumerate(
        (
            (Appointment.Status.BOOKED, "Expected"),
            (Appointment.Status.ARRIVED, "Here"),
            (Appointment.Status.CANCELLED, "Gone"),
        )
    ):
        make_appointment(
            patient=PatientFactory(first_name=first, last_name=hostile),
            injector=injector,
            starts_at=timezone.now() + datetime.timedelta(minutes=30 + 40 * n),
            status=status,
            **({"cancel_reason": f"Reason {hostile}"} if status == "cancelled" else {}),
        )
    page = desk_client.get(reverse("schedule_day")).text
    assert hostile not in page
    escaped = "&lt;img src=x onerror=alert(1)&gt;"
    for shown in (f"Expected {escaped}", f"Here {escaped}", f"Gone {escaped}", f"Reason {escaped}"):
        assert shown in page
    expected = page.split('data-testid="expected"')[1].split("</ul>")[0]
    assert 'name="csrfmiddlewaretoken"' in expected and f"{escaped} arrived" in expected
    assert "Arrived</span>" in page.split('data-testid="here-now"')[1].split("</ul>")[0]
    cancelled = page.split('data-testid="cancelled-list"')[1].split("</ul>")[0]
    assert f"Gone {escaped} · Consultation · {injector.get_full_name()}" in cancelled


def test_todays_lists_name_the_injector_as_text(midday, desk_client, location):
    """The day's lists read the injector's name as a value (``grid_rows``): escaped in
    the expected and cancelled lists. Seen to fail with ``|safe`` on ``injector_name``
    planted in clinic/day_lists.jinja."""
    from django.utils import timezone

    hostile = "<img src=x onerror=alert(2)>"
    person = UserFactory(
        first_name="Dr", last_name=hostile, role=Role.INJECTOR, default_location=location
    )
    for n, status in enumerate((Appointment.Status.BOOKED, Appointment.Status.CANCELLED)):
        make_appointment(
            patient=PatientFactory(),
            injector=person,
            starts_at=timezone.now() + datetime.timedelta(minutes=30 + 40 * n),
            status=status,
            **({"cancel_reason": "Moved"} if status == "cancelled" else {}),
        )
    page = desk_client.get(reverse("schedule_day")).text
    assert hostile not in page
    escaped = "Dr &lt;img src=x onerror=alert(2)&gt;"
    assert escaped in page.split('data-testid="expected"')[1].split("</ul>")[0]
    assert escaped in page.split('data-testid="cancelled-list"')[1].split("</ul>")[0]
