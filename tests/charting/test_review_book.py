""" "Book review" offers the due day's free times, today's first only once the review is
due (issue 19, finding 4).

The rule: ``charting.due_reviews.review_times`` (which days, from
``charting.review_timing.first_booking_day``; the free times of
``clinic.slots.free_days``, nearest the treatment's time first) and
``book_due_review`` (the tapped time, else the suggested one, through
``clinic.scheduling.book_appointment``). Doors listed here: the "Book review" page
(GET, the tapped time, "Book the suggested time"), a post without a time (the
suggested one), a second submit of the same page and a time taken meanwhile by
another door (the booking rule, as the booking form and the Django admin call it);
signing's booking (``book_review``) is tests/charting/test_due_reviews.py, a second
tab racing the first tests/charting/test_due_review_concurrency.py. A tampered time
(never offered: outside opening hours, off the quarter hour, before the first day
offered, not a time) is a message and the page again: seen to fail with the
``_check_chosen`` call taken out of ``book_due_review`` (03:00 on the due day was
booked).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from charting import due_reviews
from charting.due_reviews import record_due_review, review_times
from charting.models import DueReview
from clinic.models import Appointment, ClosedDay
from clinic.once import FIELD
from clinic.scheduling import book_appointment
from clinic.slots import local_today
from planning.models import Product
from tests.factories import PatientFactory, at, charted_treatment

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# What the front desk never sees on these pages (units, muscles, products).
CLINICAL = re.compile(r"\bunits?\b|\d U\b|corrugator|procerus|frontalis|muscle", re.IGNORECASE)


def due_review(*, location, injector, days_ago: int, time: str = "10:30") -> DueReview:
    """The unbooked review of a chart started ``days_ago`` days ago at ``time``."""
    treated_on = local_today(location) - days_ago * DAY
    treatment = charted_treatment(
        patient=PatientFactory(home_location=location),
        injector=injector,
        location=location,
        started_at=at(location, treated_on, time),
    )
    return record_due_review(treatment=treatment, days=14, by=injector)


def times_on(page) -> list[str]:
    """The values of the page's time buttons, in order (the suggested one first)."""
    return re.findall(r'name="starts" value="([^"]+)"', page.text)


def token_on(page) -> str:
    return re.search(rf'name="{FIELD}" value="([^"]+)"', page.text).group(1)


def state_of(due: DueReview) -> str:
    return DueReview.objects.with_state().get(pk=due.pk).state


def test_a_review_due_next_week_offers_its_due_day_not_today(
    desk_client, injector, location, django_assert_num_queries
):
    due = due_review(location=location, injector=injector, days_ago=5)  # due in 9 days
    today = local_today(location)
    url = reverse("review_book", args=[due.pk])
    # 1 session, 2 user, 3 roles, 4 the due review with patient, injector, location and
    # its booked review, 5 the injector's and patient's busy time, 6 closed days,
    # time off, opening hours and the injector's working hours in one statement
    # (clinic.hours), 7 the active location, 8 the navigation's locations, 9 the
    # audit's patient of the due review, 10 the audit event (a view of the patient)
    with django_assert_num_queries(10):
        page = desk_client.get(url)
    assert page.status_code == 200
    offered = times_on(page)
    assert offered and not [t for t in offered if t.startswith(today.isoformat())]
    due_day = due.due_on.isoformat()
    # The suggested time: the due day at the treatment's time; then the due day's
    # times, nearest 10:30 first (the earlier of two as near).
    assert offered[0] == f"{due_day}T10:30"
    assert offered[1:6] == [f"{due_day}T{t}" for t in ("10:30", "10:15", "10:45", "10:00", "11:00")]
    assert "Not due yet: the times start on the due day" in page.text
    assert f"{due.due_on:%a %b} {due.due_on.day} (due day)" in page.text
    assert "Today," not in page.text
    # The list's "Choose time" (the booking form) starts on the due day too.
    listed = desk_client.get(reverse("reviews_due")).text
    assert f"&amp;day={due.due_on.isoformat()}" in listed
    # Three days with free time: the due day and the next two.
    days = {t[:10] for t in offered}
    assert days == {(due.due_on + n * DAY).isoformat() for n in range(3)}
    # The front desk sees names, dates and times only.
    assert not CLINICAL.search(page.text), CLINICAL.findall(page.text)
    assert not any(name in page.text for name in Product.objects.values_list("brand", flat=True))


def test_a_due_review_offers_today_first(desk_client, injector, location):
    due = due_review(location=location, injector=injector, days_ago=12)  # due in 2 days
    today = local_today(location)
    page = desk_client.get(reverse("review_book", args=[due.pk]))
    assert "The review is due: today's free times come first." in page.text
    assert page.text.index(f"Today, {today:%a %b} {today.day}") < page.text.index("(due day)")
    assert f"&amp;day={today.isoformat()}" in desk_client.get(reverse("reviews_due")).text
    # The rule at 08:00 that day: today's 10:30 is the suggestion, and booking it
    # without a choice books that.
    early = at(location, today, "08:00")
    times = review_times(due=due, now=early)
    assert times.first_day == today and times.suggested == at(location, today, "10:30")
    booked = due_reviews.book_due_review(due=due, by=injector, now=early)
    assert booked.starts_at == at(location, today, "10:30")


def test_an_overdue_review_offers_today_first(injector, location):
    due = due_review(location=location, injector=injector, days_ago=25)
    today = local_today(location)
    times = review_times(due=due, now=at(location, today, "08:00"))
    assert times.first_day == today and times.days[0].day == today


def test_a_chosen_time_is_booked_and_leaves_the_list(desk_client, injector, location):
    due = due_review(location=location, injector=injector, days_ago=5)
    neighbour = due_review(location=location, injector=injector, days_ago=5, time="11:00")
    url = reverse("review_book", args=[due.pk])
    page = desk_client.get(url)
    chosen = f"{due.due_on.isoformat()}T11:30"
    assert chosen in times_on(page)
    response = desk_client.post(url, {FIELD: token_on(page), "starts": chosen})
    appointment = Appointment.objects.get(patient=due.patient)
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()
    assert appointment.starts_at == at(location, due.due_on, "11:30")
    assert appointment.kind == Appointment.Kind.REVIEW and appointment.injector == injector
    assert state_of(due) == "booked"
    # The time is off the injector's free times; the quarter hour before is still free.
    others = times_on(desk_client.get(reverse("review_book", args=[neighbour.pk])))
    assert chosen not in others and f"{due.due_on.isoformat()}T11:15" in others
    # The booked review's page is no longer a choice.
    again = desk_client.get(url, follow=True)
    assert again.redirect_chain[-1][0] == reverse("reviews_due")
    assert "This review is already booked." in again.text


def test_a_time_taken_meanwhile_is_a_message_and_the_times_again(
    desk_client, injector, front_desk, location
):
    due = due_review(location=location, injector=injector, days_ago=5)
    url = reverse("review_book", args=[due.pk])
    page = desk_client.get(url)
    token, chosen = token_on(page), f"{due.due_on.isoformat()}T11:00"
    assert chosen in times_on(page)
    # Another desk books the injector at 11:00 through the booking rule meanwhile.
    book_appointment(
        patient=PatientFactory(home_location=location),
        kind=Appointment.Kind.CONSULTATION,
        location=location,
        injector=injector,
        starts_at=at(location, due.due_on, "11:00"),
        by=front_desk,
    )
    refused = desk_client.post(url, {FIELD: token, "starts": chosen})
    assert refused.status_code == 200
    assert f"{due.due_on:%a %b %-d} at 11:00 is no longer free" in refused.text
    assert "Choose another time." in refused.text
    assert chosen not in times_on(refused) and f"{due.due_on.isoformat()}T10:45" in times_on(
        refused
    )
    assert not Appointment.objects.filter(patient=due.patient).exists()
    # The page comes back with its token: the next tap books.
    assert token_on(refused) == token
    second = f"{due.due_on.isoformat()}T11:30"
    assert desk_client.post(url, {FIELD: token, "starts": second}).status_code == 302
    assert Appointment.objects.get(patient=due.patient).starts_at == at(
        location, due.due_on, "11:30"
    )


def test_a_chosen_time_submitted_twice_books_one(desk_client, injector, location):
    due = due_review(location=location, injector=injector, days_ago=5)
    url = reverse("review_book", args=[due.pk])
    page = desk_client.get(url)
    form = {FIELD: token_on(page), "starts": times_on(page)[3]}
    first = desk_client.post(url, form)
    assert first.status_code == 302
    # The same page tapped again (another time, the same rendered form).
    again = desk_client.post(url, form | {"starts": times_on(page)[4]}, follow=True)
    reviews = Appointment.objects.filter(patient=due.patient)
    assert reviews.count() == 1
    assert again.redirect_chain[-1][0] == reviews.get().get_absolute_url() == first["Location"]
    assert "already booked; it is booked once" in again.text


def test_a_tampered_time_is_refused_with_a_message(desk_client, injector, location):
    due = due_review(location=location, injector=injector, days_ago=5)
    today, due_day = local_today(location).isoformat(), due.due_on.isoformat()
    ClosedDay.objects.create(location=location, day=due.due_on + DAY, reason="Staff training")
    url = reverse("review_book", args=[due.pk])
    hostile = {
        f"{due_day}T03:00": "Choose one of the times offered",  # outside opening hours
        f"{due_day}T10:07": "Choose one of the times offered",  # off the quarter hour
        f"{today}T15:00": "Choose one of the times offered",  # not due yet: not today
        f"{(due.due_on + 60 * DAY).isoformat()}T10:00": "Choose one of the times offered",
        f"{(due.due_on + DAY).isoformat()}T10:00": "closed",  # the booking rule's refusal
        "soon": "Choose one of the times listed.",
        "2026-02-30T10:00": "Choose one of the times listed.",
        f"{due_day}T10:30:00+00:00": "Choose one of the times listed.",
        "<script>alert(1)</script>": "Choose one of the times listed.",
    }
    for value, message in hostile.items():
        page = desk_client.get(url)
        response = desk_client.post(url, {FIELD: token_on(page), "starts": value})
        assert response.status_code == 200, value
        assert message in response.text, value
        assert "<script>alert" not in response.text
        assert times_on(response), value  # the times again
    assert not Appointment.objects.filter(patient=due.patient).exists()
    assert state_of(due) == "open"
