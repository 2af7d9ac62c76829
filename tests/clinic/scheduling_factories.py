"""Test helpers for appointments and calendar feeds (invented data)."""

from __future__ import annotations

import datetime

from clinic.models import Appointment, CalendarFeed, Location
from clinic.slots import local_datetime, local_today


def at(location: Location, day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return local_datetime(location=location, day=day, time=datetime.time(hour, minute))


def tomorrow(location: Location) -> datetime.date:
    return local_today(location) + datetime.timedelta(days=1)


def make_appointment(
    *,
    patient,
    injector,
    location: Location | None = None,
    starts_at: datetime.datetime | None = None,
    minutes: int = 30,
    kind: str = Appointment.Kind.CONSULTATION,
    status: str = Appointment.Status.BOOKED,
    **extra,
) -> Appointment:
    """A row written directly, without the booking rules (for arranging a scene)."""
    location = location or injector.default_location or patient.home_location
    starts_at = starts_at or at(location, tomorrow(location), "10:00")
    if status == Appointment.Status.CANCELLED:
        extra.setdefault("cancel_reason", "Patient called to cancel")
    return Appointment.objects.create(
        patient=patient,
        injector=injector,
        location=location,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        kind=kind,
        status=status,
        **extra,
    )


def make_feed(*, injector) -> CalendarFeed:
    return CalendarFeed.objects.get_or_create(injector=injector)[0]
