"""An injector's appointments as an iCal feed: time, place, kind, initials.

No patient name beyond initials, no note, nothing clinical: the feed lives in
phone calendars that the clinic does not control.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import HOLDS_TIME, Appointment, User

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180


def feed_appointments(*, injector: User, now: datetime.datetime | None = None):
    now = now or timezone.now()
    return (
        Appointment.objects.filter(injector=injector, status__in=HOLDS_TIME)
        .between(
            now - datetime.timedelta(days=FEED_PAST_DAYS),
            now + datetime.timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("patient", "location", "room")
        .order_by("starts_at")
    )


def build_feed(*, injector: User, host: str, now: datetime.datetime | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{settings.CLINIC_NAME}: {injector.get_full_name()}")
    stamp = now or timezone.now()
    for appointment in feed_appointments(injector=injector, now=now):
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("summary", f"{appointment.get_kind_display()} · {appointment.patient_initials}")
        place = appointment.location.name
        if appointment.room_id:
            place = f"{place}, {appointment.room.name}"
        event.add("location", place)
        calendar.add_component(event)
    return calendar.to_ical()
