"""The front desk books a two-week review by tapping one of its free times, in a real
browser on a tablet (issue 19, finding 4). Doors: the reviews-due list's "Book review"
and the page of free times (charting.views.reviews_due.review_book); the rule is
tests/charting/test_review_book.py."""

import datetime

import pytest

from charting.due_reviews import record_due_review
from clinic.models import Appointment
from clinic.roles import Role
from clinic.slots import local_today
from tests.factories import (
    PASSWORD,
    LocationFactory,
    PatientFactory,
    UserFactory,
    at,
    charted_treatment,
)

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_taps_a_free_time_of_the_due_day(page, transactional_db):
    location = LocationFactory(name="Riverside Clinic")
    injector = UserFactory(
        email="irene@test.clinic",
        first_name="Irene",
        last_name="Castellano",
        role=Role.INJECTOR,
        default_location=location,
    )
    UserFactory(
        email="frank@test.clinic", first_name="Frank", role=Role.FRONT_DESK,
        default_location=location,
    )  # fmt: skip
    patient = PatientFactory(first_name="Rosa", last_name="Quill", home_location=location)
    treated_on = local_today(location) - datetime.timedelta(days=5)  # due in 9 days
    treatment = charted_treatment(
        patient=patient, injector=injector, location=location,
        started_at=at(location, treated_on, "10:30"),
    )  # fmt: skip
    due = record_due_review(treatment=treatment, days=14, by=injector)
    page.set_viewport_size({"width": 820, "height": 1180})
    login(page, "frank@test.clinic", PASSWORD)
    page.goto("/reviews-due/")  # the menu folds away at 820 px
    row = page.get_by_test_id("reviews-due").get_by_role("row", name="Quill, Rosa")
    row.get_by_role("link", name="Book review").click()
    assert "Not due yet" in page.get_by_test_id("review-first-day").inner_text()
    label = f"{due.due_on:%a %b} {due.due_on.day} (due day)"
    suggested = page.get_by_test_id("book-suggested").inner_text()
    assert suggested == f"Book the suggested time: {label} at 10:30"
    page.get_by_role("button", name=f"Book {label} at 11:15").click()
    page.wait_for_url("**/appointments/*/")
    assert "Review booked for Rosa Quill" in page.get_by_role("alert").first.inner_text()
    booked = Appointment.objects.get(patient=patient)
    assert booked.starts_at == at(location, due.due_on, "11:15")
