"""Booking, rescheduling, cancelling and status changes through the pages:
clear messages next to the field, nothing lost, nothing half-saved, never a 500."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from clinic.models import Appointment, Patient
from clinic.slots import local_today
from tests.factories import PatientFactory, make_appointment

pytestmark = pytest.mark.django_db
Status = Appointment.Status


@pytest.fixture
def day(location):
    return (local_today(location) + datetime.timedelta(days=2)).isoformat()


def form_data(patient, injector, location, day, **overrides):
    data = {
        "patient": patient.pk,
        "kind": "consultation",
        "location": location.pk,
        "injector": injector.pk,
        "day": day,
        "start": "10:00",
        "end": "",
        "desk_note": "Parks in the side street.",
    }
    data.update(overrides)
    return data


def test_the_patient_is_found_first(desk_client, patient, injector):
    url = reverse("appointment_book")
    page = desk_client.get(url, {"q": "lockwood", "injector": injector.pk})
    assert page.context["found"] == [patient]
    assert f"injector={injector.pk}&amp;patient={patient.pk}" in page.text
    form_page = desk_client.get(url, {"patient": patient.pk, "injector": injector.pk})
    assert "for Maya Lockwood" in form_page.text


def test_books_and_redirects_to_the_appointment(desk_client, patient, injector, location, day):
    response = desk_client.post(
        reverse("appointment_book"), form_data(patient, injector, location, day)
    )
    appointment = Appointment.objects.get()
    assert response["Location"] == appointment.get_absolute_url()
    assert appointment.local_start.time() == datetime.time(10, 0) and appointment.minutes == 30
    assert appointment.desk_note == "Parks in the side street."
    page = desk_client.get(appointment.get_absolute_url())
    assert "Booked: Consultation for Maya Lockwood" in page.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"day": "2020-01-06"}, "start", "That time has passed"),
        ({"end": "09:30"}, "end", "The end is before the start"),
        ({"patient": "999999"}, "patient", "That patient is unknown"),
        ({"patient": ""}, "patient", "Choose a patient first"),
        ({"injector": "999999"}, "injector", "That injector is unknown"),
        ({"day": "not a day"}, "day", "Enter a valid date"),
        ({"start": "25:99"}, "start", "Enter a valid time"),
    ],
)
def test_bad_input_is_a_message_at_the_field(
    desk_client, patient, injector, location, day, overrides, field, message
):
    data = {**form_data(patient, injector, location, day), **overrides}
    page = desk_client.post(reverse("appointment_book"), data)
    assert page.status_code == 200
    assert message in " ".join(page.context["form"].errors[field])
    assert "Parks in the side street." in page.text  # nothing entered is lost
    assert not Appointment.objects.exists()


def test_a_double_booking_names_the_clash(desk_client, patient, injector, location, day):
    desk_client.post(reverse("appointment_book"), form_data(patient, injector, location, day))
    other = PatientFactory(first_name="Clara", last_name="Northcott")
    page = desk_client.post(
        reverse("appointment_book"), form_data(other, injector, location, day, start="10:15")
    )
    assert page.status_code == 200
    errors = " ".join(page.context["form"].non_field_errors())
    assert "Ina Tester is already booked" in errors and "Maya Lockwood" in errors
    assert Appointment.objects.count() == 1


def test_outside_opening_hours_warns_then_books(desk_client, patient, injector, location, day):
    data = form_data(patient, injector, location, day, start="18:30")
    page = desk_client.post(reverse("appointment_book"), data)
    assert "outside opening hours" in page.text
    assert not Appointment.objects.exists()
    data["confirm_outside_hours"] = "on"
    assert desk_client.post(reverse("appointment_book"), data).status_code == 302
    assert Appointment.objects.count() == 1


def test_reschedule_through_the_form(desk_client, patient, injector, location, day):
    appointment = make_appointment(patient=patient, injector=injector)
    url = reverse("appointment_reschedule", args=[appointment.pk])
    data = {"injector": injector.pk, "day": day, "start": "15:00", "end": ""}
    assert desk_client.post(url, data).status_code == 302
    appointment.refresh_from_db()
    assert appointment.local_start.time() == datetime.time(15, 0) and appointment.minutes == 30


def test_a_completed_appointment_is_not_rescheduled(desk_client, patient, injector, day):
    done = make_appointment(patient=patient, injector=injector, status=Status.COMPLETED)
    url = reverse("appointment_reschedule", args=[done.pk])
    page = desk_client.post(url, {"injector": injector.pk, "day": day, "start": "15:00"})
    assert page.status_code == 200
    assert "completed and can no longer change" in page.text


def test_arrived_and_no_show_buttons(desk_client, patient, injector):
    tomorrows = make_appointment(patient=patient, injector=injector)
    page = desk_client.post(
        reverse("appointment_status", args=[tomorrows.pk]), {"to": "arrived"}, follow=True
    )
    assert "a patient is marked arrived on the day" in page.text  # issue 19, finding 4
    tomorrows.refresh_from_db()
    assert tomorrows.status == Status.BOOKED
    appointment = make_appointment(
        patient=PatientFactory(), injector=injector, starts_at=timezone.now()
    )
    url = reverse("appointment_status", args=[appointment.pk])
    desk_client.post(url, {"to": "arrived"})
    appointment.refresh_from_db()
    assert appointment.status == Status.ARRIVED
    page = desk_client.post(url, {"to": "nonsense"}, follow=True)
    assert "Choose one of the buttons" in page.text


def test_a_cancelled_appointment_marked_arrived_is_a_message(desk_client, patient, injector):
    cancelled = make_appointment(patient=patient, injector=injector, status=Status.CANCELLED)
    url = reverse("appointment_status", args=[cancelled.pk])
    page = desk_client.post(url, {"to": "arrived"}, follow=True)
    assert page.status_code == 200
    assert "was cancelled; book a new one" in page.text
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED


def test_cancel_asks_for_a_reason(desk_client, patient, injector):
    appointment = make_appointment(patient=patient, injector=injector)
    url = reverse("appointment_cancel", args=[appointment.pk])
    page = desk_client.post(url, {"reason": ""})
    assert page.status_code == 200 and "Give a reason" in page.text
    desk_client.post(url, {"reason": "Unwell"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == (Status.CANCELLED, "Unwell")


def test_unknown_appointment_is_404(desk_client):
    assert desk_client.get(reverse("appointment_detail", args=[999999])).status_code == 404


def test_status_change_returns_to_a_local_page_only(desk_client, patient, injector):
    appointment = make_appointment(patient=patient, injector=injector)
    url = reverse("appointment_status", args=[appointment.pk])
    away = desk_client.post(url, {"to": "arrived", "next": "https://evil.example/"})
    assert away["Location"] == appointment.get_absolute_url()
    home = desk_client.post(url, {"to": "in_treatment", "next": "/my-day/"})
    assert home["Location"] == "/my-day/"


def test_only_clinical_roles_get_the_open_visit_link(front_desk, patient, injector):
    appointment = make_appointment(patient=patient, injector=injector)
    desk_client, client = Client(), Client()
    desk_client.force_login(front_desk)
    assert desk_client.get(appointment.get_absolute_url()).context["visit_url"] == ""
    client.force_login(injector)
    page = client.get(appointment.get_absolute_url())
    assert page.context["visit_url"] == reverse("open_appointment", args=[appointment.pk])
    # A consultation opens from the patient's page; a review opens its review.
    opened = client.get(page.context["visit_url"])
    assert opened["Location"] == reverse("patient_detail", args=[patient.pk])
    assert desk_client.get(page.context["visit_url"]).status_code == 403


def test_a_new_caller_keeps_the_tapped_slot(desk_client, injector, location):
    """Issue 19, finding 3: tap a free time, find no match, "New patient": after
    saving the patient the booking form is back with the day, time and injector."""
    day = local_today(location) + datetime.timedelta(days=3)
    tapped = {"day": day.isoformat(), "start": "10:30", "injector": injector.pk}
    pick = desk_client.get(reverse("appointment_book"), {**tapped, "q": "Nobody Yet"})
    assert "No patient matches" in pick.text
    new_patient_url = pick.context["new_patient_url"]
    form_page = desk_client.get(new_patient_url)
    # The patient form has no action: it posts back to its own address, ?next= too.
    assert any("action=" not in tag for tag in re.findall(r"<form[^>]*>", form_page.text))
    saved = desk_client.post(new_patient_url, valid_patient())
    patient = Patient.objects.get(last_name="Newcaller")
    assert saved.status_code == 302 and f"patient={patient.pk}" in saved["Location"]
    booking = desk_client.get(saved["Location"])
    initial = booking.context["form"].initial
    assert (initial["day"], initial["start"], str(initial["injector"])) == (
        day.isoformat(),
        "10:30",
        str(injector.pk),
    )
    assert "Newcaller" in booking.text


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/appointments/new/",
        "/patients/",
        "//evil.example/x",
        "/appointments/new/?x=" + "y" * 400,  # too long to keep (was a 500 and a lost patient)
    ],
)
def test_after_a_new_patient_only_the_booking_is_a_way_back(desk_client, hostile):
    saved = desk_client.post(
        f"{reverse('patient_create')}?{urlencode({'next': hostile})}", valid_patient()
    )
    patient = Patient.objects.get(last_name="Newcaller")
    assert saved["Location"] == patient.get_absolute_url()


def valid_patient() -> dict:
    return {
        "first_name": "Nell",
        "last_name": "Newcaller",
        "date_of_birth": "1988-06-01",
        "sex": "F",
        "phone": "(555) 010-7777",
        "email": "",
        "chart_number": "",
        "home_location": "",
        "front_desk_notes": "",
    }
