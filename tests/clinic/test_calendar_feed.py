"""The injector's iCal feed: parses, carries no names, lives behind a rotatable token."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from clinic.models import Appointment
from tests.factories import make_appointment, make_feed, make_room

pytestmark = pytest.mark.django_db


def test_the_feed_parses_and_shows_kind_place_and_initials(client, injector, patient, location):
    appointment = make_appointment(patient=patient, injector=injector, kind=Appointment.Kind.REVIEW)
    make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.TREATMENT,
        status=Appointment.Status.CANCELLED,
        starts_at=appointment.starts_at.replace(hour=appointment.starts_at.hour + 2),
    )
    response = client.get(reverse("calendar_feed", args=[make_feed(injector=injector).token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 1  # the cancelled one is left out
    event = events[0]
    assert str(event["SUMMARY"]) == "Two-week review · M.L."
    assert str(event["LOCATION"]) == location.name
    assert event.decoded("DTSTART") == appointment.starts_at
    text = response.content.decode()
    assert "Maya" not in text and "Lockwood" not in text and patient.chart_number not in text


def test_a_wrong_token_is_404(client, injector):
    make_feed(injector=injector)
    assert client.get(reverse("calendar_feed", args=["not-the-token"])).status_code == 404


def test_rotating_the_token_kills_the_old_address(client, injector):
    old = make_feed(injector=injector).token
    client.force_login(injector)
    page = client.get(reverse("calendar_feed_settings"))
    assert old in page.text
    client.post(reverse("calendar_feed_rotate"))
    client.logout()
    new = injector.calendar_feed.__class__.objects.get(injector=injector).token
    assert new != old
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200


def test_a_former_injector_feed_is_gone(client, injector):
    token = make_feed(injector=injector).token
    injector.is_active = False
    injector.save()
    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


def test_the_feed_says_the_room(client, injector, patient, location):
    room = make_room(location, "Room 2")
    make_appointment(patient=patient, injector=injector, kind=Appointment.Kind.TREATMENT, room=room)
    response = client.get(reverse("calendar_feed", args=[make_feed(injector=injector).token]))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["LOCATION"]) == f"{location.name}, Room 2"
