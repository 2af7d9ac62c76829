"""The clinic's locations, each with its own time zone and hours."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


def default_opens_at() -> datetime.time:
    return datetime.time(9, 0)


def default_closes_at() -> datetime.time:
    return datetime.time(18, 0)


# Callables, not fixed times: Django's system check warns about a fixed time default
# when it runs within ten seconds of it (check --deploy failed at 18:00:00).
class Location(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=250, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    # The hours of every open day until the location has opening hours per weekday
    # (OpeningHours, clinic.hours); from then on those.
    opens_at = models.TimeField(
        default=default_opens_at, help_text="Used only while no weekday has hours below."
    )
    closes_at = models.TimeField(
        default=default_closes_at, help_text="Used only while no weekday has hours below."
    )
    closed_weekdays = models.CharField(
        max_length=7,
        blank=True,
        default="",
        validators=[RegexValidator(r"^[0-6]*$", "Weekdays are digits 0 (Monday) to 6 (Sunday).")],
        help_text="Days closed every week (0 = Monday … 6 = Sunday).",
    )
    is_active = models.BooleanField(default=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")),
                name="location_opens_before_it_closes",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"time_zone": "Unknown time zone."}) from exc


class RoomQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Room(models.Model):
    """A treatment room of a location. Appointments of the kinds that need a room
    (settings ``ROOM_KINDS``) take one there (``clinic.rooms``); a location without
    rooms books without them."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60, help_text="As the desk says it, e.g. Room 2.")
    is_active = models.BooleanField(
        "in use", default=True, help_text="A room out of use takes no new bookings."
    )

    objects = RoomQuerySet.as_manager()

    class Meta:
        # The first free room is the first in this order (clinic.rooms.choose_room).
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_once_per_location")
        ]

    def __str__(self) -> str:
        return self.name


class ClosedDay(models.Model):
    """A day a location is closed besides its weekly closed days (a holiday)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField()
    reason = models.CharField(max_length=120, help_text="Shown on the calendar, e.g. Christmas.")

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["location", "day"], name="closed_day_once_per_location")
        ]

    def __str__(self) -> str:
        return f"{self.location} closed {self.day:%b %-d, %Y}: {self.reason}"


class TimeOff(models.Model):
    """Days an injector does not work (leave, a course), first and last day included."""

    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=120, blank=True, help_text="e.g. leave, a course.")

    class Meta:
        ordering = ["first_day"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=models.F("last_day")),
                name="time_off_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.injector} away {self.first_day:%b %-d}–{self.last_day:%b %-d, %Y}"
