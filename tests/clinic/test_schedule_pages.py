"""The front desk's pages: day, week, my day, reviews due; constant query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.appointments import Appointment
from clinic.roles import Role
from clinic.slots import local_today
from clinic.slots import zone_of as location_zone
from clinic.views.reviews import PAGE_SIZE
from tests.factories import PatientFactory, UserFactory

from .scheduling_factories import at, make_appointment, make_due_review

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
    # 1 session, 2 user, 3 the user's roles, 4 the active location (user default),
    # 5 the appointments of the day with patient/injector/location,
    # 6 the injector columns, 7 the location list of the navigation bar
    with django_assert_num_queries(7):
        page = desk_client.get(reverse("schedule_day"), {"day": DAY.isoformat()})
    assert sum(len(c.blocks) for c in page.context["grid"].columns) == count


def test_grid_links_each_appointment_and_escapes_names(desk_client, injector, location):
    """The grid's markup is made in Python (clinic.calendar_grid): each block links
    to its appointment and, while booked and ahead, to its rescheduling; names
    from the database are escaped."""
    booking = make_appointment(
        patient=PatientFactory(first_name="<b>Bo</b>", last_name="O'Hara & Co"),
        injector=injector,
        location=location,
        starts_at=at(location, DAY, "10:00"),
    )
    shown = "&lt;b&gt;Bo&lt;/b&gt; O&#x27;Hara &amp; Co"
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
    # 1 session, 2 user, 3 roles, 4 active location, 5 the chosen injector (form),
    # 6 the appointments of the week, 7 the injector choices, 8 the navigation's locations
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
    assert reverse("patient_detail", args=[patient.pk]) in page.text  # opens the visit's screens


@pytest.mark.parametrize("count", [5, 60])
def test_reviews_due_query_count_and_overdue(
    desk_client, injector, location, count, django_assert_num_queries
):
    for n in range(count):
        make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=10 + n % 20)
    # 1 session, 2 user, 3 roles, 4 how many listed and overdue, 5 this page's reviews with
    # patient/injector/location/appointment, 6 the injectors of the filter, 7 the active
    # location, 8 the location list of the navigation bar (also the filter's locations)
    with django_assert_num_queries(8):
        page = desk_client.get(reverse("reviews_due"))
    rows = page.context["rows"]
    assert len(rows) == min(count, PAGE_SIZE)
    overdue = sum(10 + n % 20 > 21 for n in range(count))
    assert page.context["overdue_count"] == overdue
    assert ('class="overdue"' in page.text) == any(r.days_since > 21 for r in rows)
    if count > PAGE_SIZE:
        rest = desk_client.get(reverse("reviews_due"), {"page": 2}).context["rows"]
        assert len(rest) == min(count - PAGE_SIZE, PAGE_SIZE)
        assert not {r.pk for r in rest} & {r.pk for r in rows}


def test_reviews_due_rows_show_dates_states_and_links(desk_client, injector, location):
    """The rows' markup is made in the view (clinic.views.reviews): the treatment's
    day on the location's clock, overdue and due-now badges, the booked review's
    time, each button's URL, names escaped; one form posts every row's booking."""
    from clinic.scheduling import book_due_review

    overdue = make_due_review(
        patient=PatientFactory(last_name="<i>Quill</i>"), injector=injector, treated_days_ago=25
    )
    due_now = make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=15)
    booked = make_due_review(patient=PatientFactory(), injector=injector, treated_days_ago=12)
    appointment = book_due_review(due=booked, by=injector)
    page = desk_client.get(reverse("reviews_due"), {"booked": "on"})
    html = page.text
    row = {due.pk: html.split(f'data-testid="due-{due.pk}"')[1].split("</tr>")[0]
           for due in (overdue, due_now, booked)}  # fmt: skip
    treated = overdue.treated_at.astimezone(location_zone(location))
    assert f"{treated:%b} {treated.day} <span" in row[overdue.pk]
    assert "Overdue" in row[overdue.pk] and "Due now" not in row[overdue.pk]
    assert "&lt;i&gt;Quill&lt;/i&gt;," in row[overdue.pk] and "<i>" not in html
    assert "Due now" in row[due_now.pk] and "Overdue" not in row[due_now.pk]
    assert html.count('<form id="book-review" method="post">') == 1
    assert f'form="book-review" formaction="{reverse("review_book", args=[due_now.pk])}"' in html
    assert f'href="{reverse("review_dismiss", args=[due_now.pk])}"' in row[due_now.pk]
    assert f"due_review={due_now.pk}&amp;injector={injector.pk}" in row[due_now.pk]
    starts = appointment.starts_at.astimezone(location_zone(location))
    booked_link = f'<a href="{appointment.get_absolute_url()}">Booked {starts:%a %b} {starts.day}'
    assert booked_link in row[booked.pk]
    assert "Book review" not in row[booked.pk]
    # The page's one form books the row whose button was pressed.
    response = desk_client.post(reverse("review_book", args=[due_now.pk]))
    due_now.refresh_from_db()
    assert response.status_code == 302 and due_now.status == "booked"


def test_reviews_due_filters_and_one_click_booking(desk_client, injector, location, other_location):
    here = make_due_review(patient=PatientFactory(), injector=injector, location=location)
    there = make_due_review(patient=PatientFactory(), injector=injector, location=other_location)
    page = desk_client.get(
        reverse("reviews_due"), {"location": other_location.pk, "injector": injector.pk}
    )
    assert [r.pk for r in page.context["rows"]] == [there.pk]
    # The filter shows what was chosen.
    assert f'<option value="{other_location.pk}" selected>{other_location.name}<' in page.text
    assert f'<option value="{injector.pk}" selected>{injector.get_full_name()}<' in page.text
    assert '<option value="" selected>' not in page.text
    response = desk_client.post(reverse("review_book", args=[here.pk]))
    here.refresh_from_db()
    assert here.status == "booked"
    assert response["Location"] == here.appointment.get_absolute_url()
    assert here.appointment.injector == injector and here.appointment.location == location


def test_dismissing_needs_a_reason(desk_client, injector):
    due = make_due_review(patient=PatientFactory(), injector=injector)
    page = desk_client.post(reverse("review_dismiss", args=[due.pk]), {"reason": ""})
    assert page.status_code == 200 and "Give a reason" in page.text
    desk_client.post(reverse("review_dismiss", args=[due.pk]), {"reason": "Declined"})
    due.refresh_from_db()
    assert due.status == "dismissed"


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


def test_today_lists_who_is_expected_and_one_tap_marks_arrival(desk_client, injector, location):
    from django.utils import timezone

    if timezone.now().astimezone(location_zone(location)).hour >= 21:
        pytest.skip("the 'expected' list is for today; too close to midnight")
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
    assert page.context["expected"] == [soon]
    assert f'action="{reverse("appointment_status", args=[soon.pk])}"' in page.text
    response = desk_client.post(
        reverse("appointment_status", args=[soon.pk]),
        {"to": "arrived", "next": reverse("schedule_day")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("schedule_day")
    assert response.context["here_now"] == [soon]
    assert response.context["expected"] == []
