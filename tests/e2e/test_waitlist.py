"""A cancelled booking offered to the waitlist and booked in one tap, in a real browser
on a tablet (issue 19, "Waitlist"). Doors: the appointment's cancel page, the cancelled
appointment's page with who fits the freed time (clinic.views.appointments), the one-tap
booking (clinic.views.waitlist.waitlist_book); the rule is tests/clinic/test_waitlist.py."""

import datetime

import pytest
from django.utils import timezone

from clinic.models import Appointment, WaitlistEntry
from clinic.roles import Role
from clinic.slots import local_today
from tests.factories import (
    PASSWORD,
    LocationFactory,
    PatientFactory,
    UserFactory,
    at,
    make_appointment,
    make_waitlist_entry,
)

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cancelled_time_is_booked_from_the_waitlist_in_one_tap(page, transactional_db):
    location = LocationFactory(name="Riverside Clinic")
    injector = UserFactory(
        email="irene@test.clinic", first_name="Irene", last_name="Castellano",
        role=Role.INJECTOR, default_location=location,
    )  # fmt: skip
    desk = UserFactory(
        email="frank@test.clinic", first_name="Frank", role=Role.FRONT_DESK,
        default_location=location,
    )  # fmt: skip
    day = local_today(location) + datetime.timedelta(days=2)
    leaving = PatientFactory(first_name="Otto", last_name="Cancelman", home_location=location)
    booking = make_appointment(
        patient=leaving, injector=injector, location=location,
        starts_at=at(location, day, "11:00"), minutes=45, kind=Appointment.Kind.TREATMENT,
    )  # fmt: skip
    first = make_waitlist_entry(
        patient=PatientFactory(first_name="Wanda", last_name="Early", home_location=location),
        location=location, by=desk, kind=Appointment.Kind.TREATMENT,
    )  # fmt: skip
    second = make_waitlist_entry(
        patient=PatientFactory(first_name="Lena", last_name="Later", home_location=location),
        location=location, by=desk,
    )  # fmt: skip
    WaitlistEntry.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    page.set_viewport_size({"width": 820, "height": 1180})
    login(page, "frank@test.clinic", PASSWORD)
    page.goto(booking.get_absolute_url())
    page.get_by_role("link", name="Cancel appointment").click()
    page.get_by_label("Reason").fill("Called in sick")
    page.get_by_role("button", name="Cancel the appointment").click()
    page.wait_for_url(f"**{booking.get_absolute_url()}")
    offers = page.get_by_test_id("waitlist-offers").get_by_role("listitem")
    assert offers.count() == 2
    assert "Wanda Early" in offers.nth(0).inner_text()  # waiting longest, first
    assert "Lena Later" in offers.nth(1).inner_text()
    button = page.get_by_role("button", name="Book Wanda 11:00")
    box = button.bounding_box()
    assert box and box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button.click()
    page.wait_for_url("**/appointments/*/")
    alert = page.get_by_role("alert").first.inner_text()
    assert "Booked from the waitlist: Treatment for Wanda Early" in alert
    booked = Appointment.objects.get(patient=first.patient)
    assert booked.starts_at == at(location, day, "11:00") and booked.injector == injector
    first.refresh_from_db()
    assert first.state == "booked" and first.appointment == booked
    second.refresh_from_db()
    assert second.state == "waiting"
