"""The front desk's day in a real browser: book a consultation from the day
view, reschedule it, see it cannot be marked arrived a day early; then find the
two-week review that signing a treatment booked (charting.due_reviews.book_review, as signing
calls it)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from charting.due_reviews import book_review
from clinic.roles import Role
from tests.factories import (
    PASSWORD,
    LocationFactory,
    PatientFactory,
    UserFactory,
    at,
    charted_treatment,
    make_appointment,
)

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic_day(transactional_db):
    location = LocationFactory(name="Riverside Clinic")
    injector = UserFactory(
        email="irene@test.clinic",
        first_name="Irene",
        last_name="Castellano",
        role=Role.INJECTOR,
        default_location=location,
    )
    desk = UserFactory(
        email="frank@test.clinic",
        first_name="Frank",
        role=Role.FRONT_DESK,
        default_location=location,
    )
    PatientFactory(first_name="Testa", last_name="Browserly", home_location=location)
    treated = PatientFactory(first_name="Rosa", last_name="Quill", home_location=location)
    treatment = charted_treatment(
        patient=treated, injector=injector, started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    review = book_review(treatment=treatment, by=injector)
    return {"desk": desk, "injector": injector, "review": review}


def test_front_desk_books_reschedules_and_sees_the_review(page, clinic_day):
    login(page, "frank@test.clinic", PASSWORD)
    page.get_by_test_id("main-menu").get_by_role("link", name="Day").click()
    page.get_by_role("link", name="Next day").click()
    # Tap the free 10:00 slot in Irene's column: it leads to finding the patient.
    page.get_by_role("link", name="Book Irene Castellano at 10:00").click()
    page.get_by_label("Find the patient").fill("Browserly")
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("patient-matches").get_by_role("link", name="Browserly, Testa").click()
    expect(page.get_by_label("Starts")).to_have_value("10:00")
    page.get_by_label("Visit kind").select_option(label="Consultation")
    page.get_by_label("Note for the desk").fill("First visit; parks in the side street.")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_url("**/appointments/*/")
    assert (
        "Booked: Consultation for Testa Browserly" in page.get_by_role("alert").first.inner_text()
    )
    assert page.get_by_test_id("status").inner_text() == "Booked"

    page.get_by_role("link", name="Reschedule").click()
    page.get_by_label("Starts").fill("14:30")
    page.get_by_role("button", name="Move the appointment").click()
    page.wait_for_url("**/appointments/*/")
    assert "at 14:30" in page.get_by_role("alert").first.inner_text()
    assert "14:30–15:00" in page.locator("h1").inner_text()

    # Tomorrow's visit: no "Mark arrived" yet (issue 19, finding 4).
    assert page.get_by_role("button", name="Mark arrived").count() == 0
    assert page.get_by_role("button", name="Start visit").count() == 0

    # The day shows the moved visit at 14:30 in Irene's column.
    page.get_by_role("link", name="Back to the day").click()
    column = page.locator("section[aria-label='Irene Castellano']")
    assert "14:30–15:00" in column.get_by_role("link", name="Testa Browserly").inner_text()

    # The review booked when the treatment was signed is on the reviews list.
    page.get_by_test_id("main-menu").get_by_role("link", name="Reviews").click()
    page.get_by_label("Show booked reviews too").check()
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_test_id("reviews-due").get_by_role("row", name="Quill, Rosa")
    assert "Booked" in row.inner_text()
    row.get_by_role("link", name="Booked").click()
    expect(page.locator("h1")).to_contain_text("Two-week review", use_inner_text=True)


def test_drag_a_booking_to_another_time(page, clinic_day):
    from clinic.models import Appointment
    from clinic.slots import local_today

    injector = clinic_day["injector"]
    location = injector.default_location
    day = local_today(location) + datetime.timedelta(days=1)
    booking = make_appointment(
        patient=PatientFactory(first_name="Dora", last_name="Dragwell"),
        injector=injector,
        starts_at=at(location, day, "09:00"),
    )
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(f"/day/?day={day.isoformat()}")
    block = page.get_by_test_id(f"appointment-{booking.pk}")
    block.drag_to(page.get_by_role("link", name="Book Irene Castellano at 11:30"))
    page.wait_for_url(f"**/appointments/{booking.pk}/")
    assert "Moved to" in page.get_by_role("alert").first.inner_text()
    booking.refresh_from_db()
    assert booking.local_start.time() == datetime.time(11, 30)
    assert booking.status == Appointment.Status.BOOKED
