"""The Django admin books through the appointment book's rules (issue 19,
finding 5): an overlap, a past time or a time outside opening hours is a message
on the admin form, never a 500 and never a silent save.

The rule is ``clinic.scheduling.check_booking`` (with ``change_status`` for
status changes and ``clinic.hours.hours_warning``). Its doors: the desk's
booking and moving pages (tests/clinic/test_booking_views.py), the two-week
review's booking (tests/charting/test_due_reviews.py), and the Django admin's
add and change forms (here). The demo schedule writes rows through the factory
of a story that never overlaps (tests/clinic/test_demo*.py).
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from clinic.models import Appointment
from tests.factories import PatientFactory, at, make_appointment, tomorrow

pytestmark = pytest.mark.django_db

Status = Appointment.Status


def admin_fields(when: datetime.datetime, minutes: int = 30) -> dict:
    """The admin's split date and time widgets, in the site's time zone."""
    start, end = (
        timezone.localtime(when),
        timezone.localtime(when + datetime.timedelta(minutes=minutes)),
    )
    return {
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
    }


def add(admin_client, patient, injector, location, when, **extra):
    data = {
        "patient": patient.pk,
        "kind": Appointment.Kind.CONSULTATION,
        "location": location.pk,
        "injector": injector.pk,
        "desk_note": "",
        **admin_fields(when),
        **extra,
    }
    return admin_client.post("/admin/clinic/appointment/add/", data, follow=True)


def test_an_overlap_is_a_message_on_the_admin_form(admin_client, patient, injector, location):
    when = at(location, tomorrow(location), "10:00")
    make_appointment(
        patient=PatientFactory(last_name="Firstcome"), injector=injector, starts_at=when
    )
    page = add(admin_client, patient, injector, location, when + datetime.timedelta(minutes=10))
    assert page.status_code == 200
    assert "is already booked" in page.text and "Firstcome" in page.text
    assert Appointment.objects.count() == 1


def test_a_past_time_and_opening_hours_are_asked_as_on_the_desk(
    admin_client, patient, injector, location
):
    past = timezone.now() - datetime.timedelta(days=2)
    page = add(admin_client, patient, injector, location, past)
    assert "That time has passed" in page.text
    late = at(location, tomorrow(location), "22:30")
    page = add(admin_client, patient, injector, location, late)
    assert "outside opening hours" in page.text
    assert not Appointment.objects.exists()
    page = add(admin_client, patient, injector, location, late, confirm_outside_hours="on")
    booked = Appointment.objects.get()
    assert booked.starts_at == late and booked.created_by.email == "admin@test.clinic"


def test_a_status_the_rules_refuse_is_not_saved(admin_client, patient, injector, location):
    appointment = make_appointment(patient=patient, injector=injector)
    data = {
        "injector": injector.pk,
        "status": Status.ARRIVED,
        "desk_note": "",
        "cancel_reason": "",
        **admin_fields(appointment.starts_at),
    }
    page = admin_client.post(
        f"/admin/clinic/appointment/{appointment.pk}/change/", data, follow=True
    )
    assert page.status_code == 200
    assert "Not saved" in page.text and "marked arrived on the day" in page.text
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_a_refused_status_undoes_the_move_made_in_the_same_form(
    admin_client, patient, injector, location
):
    """Review finding: the move was kept while the page said "Not saved"."""
    appointment = make_appointment(patient=patient, injector=injector)
    later = appointment.starts_at + datetime.timedelta(hours=2)
    data = {
        "injector": injector.pk,
        "status": Status.ARRIVED,  # tomorrow's: refused
        "desk_note": "",
        "cancel_reason": "",
        **admin_fields(later),
    }
    page = admin_client.post(
        f"/admin/clinic/appointment/{appointment.pk}/change/", data, follow=True
    )
    assert "Not saved" in page.text
    before = appointment.starts_at
    appointment.refresh_from_db()
    assert appointment.starts_at == before and appointment.status == Status.BOOKED


def test_moving_in_the_admin_asks_about_opening_hours(admin_client, patient, injector, location):
    appointment = make_appointment(patient=patient, injector=injector)
    late = at(location, tomorrow(location), "22:30")
    data = {
        "injector": injector.pk,
        "status": Status.BOOKED,
        "desk_note": "",
        "cancel_reason": "",
        **admin_fields(late),
    }
    page = admin_client.post(f"/admin/clinic/appointment/{appointment.pk}/change/", data)
    assert page.status_code == 200 and "outside opening hours" in page.text
    appointment.refresh_from_db()
    assert appointment.starts_at != late
