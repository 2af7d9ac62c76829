"""Times are stored in UTC and shown in the location's zone, DST days included."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from clinic import scheduling
from clinic.models import Appointment
from clinic.slots import NonexistentLocalTime, local_datetime, local_day_bounds
from tests.factories import LocationFactory, make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin(db):
    return LocationFactory(name="Berlin Studio", time_zone="Europe/Berlin")


def test_nine_local_in_another_zone_shows_nine_there(desk_client, berlin, injector, patient):
    day = datetime.date(2030, 6, 12)
    starts = local_datetime(location=berlin, day=day, time=datetime.time(9, 0))
    assert starts == datetime.datetime(2030, 6, 12, 7, 0, tzinfo=datetime.UTC)  # CEST is UTC+2
    appointment = make_appointment(
        patient=patient, injector=injector, location=berlin, starts_at=starts
    )
    page = desk_client.get(reverse("schedule_day"), {"day": day.isoformat(), "location": berlin.pk})
    block = page.text.split(f'data-testid="appointment-{appointment.pk}"')[1][:400]
    assert "09:00–09:30" in block
    detail = desk_client.get(appointment.get_absolute_url()).text
    assert "09:00–09:30" in detail and "Europe/Berlin" in detail


def next_day_of(zone: str, hours: int) -> datetime.date:
    """The next day (from tomorrow) of ``hours`` hours in ``zone``: a clock change. Kept
    ahead of today so bookings stay inside the book's window (at most 2 years ahead)."""
    tz = zoneinfo.ZoneInfo(zone)
    day = datetime.date.today() + datetime.timedelta(days=1)
    while True:
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
        end = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        if end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC) == datetime.timedelta(
            hours=hours
        ):
            return day
        day += datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("zone", "utc_hour", "day_hours"),
    [
        ("America/New_York", 13, 23),  # spring forward: EDT UTC-4
        ("America/New_York", 14, 25),  # fall back: EST UTC-5
        ("Europe/Berlin", 7, 23),
        ("Europe/Berlin", 8, 25),
    ],
)
def test_dst_change_day(desk_client, injector, patient, zone, utc_hour, day_hours):
    day = next_day_of(zone, day_hours)
    location = LocationFactory(name=f"Clinic {zone}", time_zone=zone)
    start, end = local_day_bounds(location=location, day=day)
    assert end - start == datetime.timedelta(hours=day_hours)
    appointment = scheduling.book_appointment(
        patient=patient,
        kind=Appointment.Kind.REVIEW,
        location=location,
        injector=injector,
        starts_at=local_datetime(location=location, day=day, time=datetime.time(9, 0)),
        by=None,
    )
    assert appointment.starts_at.astimezone(datetime.UTC).hour == utc_hour
    page = desk_client.get(
        reverse("schedule_day"), {"day": day.isoformat(), "location": location.pk}
    )
    block = page.text.split(f'data-testid="appointment-{appointment.pk}"')[1][:400]
    assert "09:00–09:15" in block
    assert page.context["grid"].columns[0].blocks[0].row == 1  # the grid starts at 09:00


def test_a_time_skipped_by_the_clocks_is_refused(location):
    with pytest.raises(NonexistentLocalTime, match="clocks change"):
        local_datetime(location=location, day=datetime.date(2030, 3, 10), time=datetime.time(2, 30))
