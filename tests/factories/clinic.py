"""The clinic floor: locations, staff, patients, appointments and calendar feeds
(invented data)."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group

from clinic.models import Appointment, CalendarFeed, Location, Patient, Room, User
from clinic.slots import local_datetime, local_today

PASSWORD = "test-pass-2026-long"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Location {n}")
    time_zone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@test.clinic")
    first_name = factory.Sequence(lambda n: f"Staff{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    date_of_birth = datetime.date(1985, 4, 12)
    sex = "F"
    phone = factory.Sequence(lambda n: f"(555) 010-{n % 10000:04d}")
    chart_number = factory.Sequence(lambda n: f"T-{n:06d}")


def at(location: Location, day: datetime.date, hhmm: str) -> datetime.datetime:
    """``hhmm`` on ``day`` on the location's clock."""
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
    """A row written directly, without the booking rules (for arranging a scene);
    tomorrow at 10:00 unless told."""
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


def make_room(location: Location, name: str, *, is_active: bool = True) -> Room:
    return Room.objects.create(location=location, name=name, is_active=is_active)


def make_feed(*, injector) -> CalendarFeed:
    return CalendarFeed.objects.get_or_create(injector=injector)[0]


def make_waitlist_entry(
    *,
    patient,
    location: Location,
    by,
    kind: str = Appointment.Kind.CONSULTATION,
    injector=None,
    first_day: datetime.date | None = None,
    **extra,
):
    """A waiting entry, through the waitlist's rule (from today on unless told)."""
    from clinic.waitlist import add_to_waitlist

    return add_to_waitlist(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        first_day=first_day or local_today(location),
        by=by,
        **extra,
    )
