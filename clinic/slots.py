"""Time at a location: local wall-clock times, opening hours and free slots.

Appointments are stored in UTC; every rule that speaks of "09:00" or "that
day" speaks of the location's own zone, so it holds on the days the clocks
change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q

from .buffers import buffer_for
from .hours import Closures, Span, closures
from .models import Appointment, Location, Patient, Room, User
from .rooms import needs_room

SLOT_MINUTES = 15


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward."""


def zone_of(location: Location) -> ZoneInfo:
    return ZoneInfo(location.time_zone)


def local_datetime(
    *, location: Location, day: datetime.date, time: datetime.time
) -> datetime.datetime:
    """The aware instant of ``day`` at ``time`` on the location's clock, in UTC.

    A time that does not exist (skipped by a DST change) is refused; a time
    that happens twice (clocks back) is the first of the two.
    """
    zone = zone_of(location)
    wall = datetime.datetime.combine(day, time).replace(tzinfo=zone)
    instant = wall.astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{time:%H:%M} does not exist on {day:%b %-d} at {location.name}: the clocks change."
        )
    return instant


def local_day_bounds(
    *, location: Location, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """Start and end (UTC) of a local calendar day; 23 or 25 hours on DST days."""
    zone = zone_of(location)
    start = datetime.datetime.combine(day, datetime.time()).replace(tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()).replace(
        tzinfo=zone
    )
    return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


def local_today(location: Location, now: datetime.datetime | None = None) -> datetime.date:
    from django.utils import timezone

    return (now or timezone.now()).astimezone(zone_of(location)).date()


Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass
class Busy:
    """Time already held in a span of days: the injector's and each room's until
    each appointment's ``blocked_until`` (its turnover, ``clinic.buffers``), the
    patient's until its end."""

    injector: list[Interval]
    patient: list[Interval]
    rooms: dict[int, list[Interval]] | None = None  # None: the kind needs no room

    def free(self, start: datetime.datetime, end: datetime.datetime, blocked_until) -> bool:
        """Whether [start, end) with its turnover to ``blocked_until`` can be booked:
        injector and patient free, and a room when the kind needs one."""
        if any(s < end and e > start for s, e in self.patient):
            return False
        if any(s < blocked_until and b > start for s, b in self.injector):
            return False
        if self.rooms is None:
            return True
        return any(
            not any(s < blocked_until and b > start for s, b in held)
            for held in self.rooms.values()
        )


def busy_intervals(
    *,
    injector: User,
    patient: Patient | None,
    start: datetime.datetime,
    end: datetime.datetime,
    location: Location | None = None,
    kind: str | None = None,
    exclude_id: int | None = None,
) -> Busy:
    """Time the injector, the patient or (for a kind that needs one, at a location
    with rooms) the rooms are already booked in [start, end): one query, and one
    more for the rooms."""
    rooms = None
    if kind and location and needs_room(kind):
        rooms = {
            pk: []
            for pk in Room.objects.filter(location=location).active().values_list("pk", flat=True)
        }
        rooms = rooms or None  # a location without rooms books without them
    who = Q(injector=injector)
    if patient:
        who |= Q(patient=patient)
    if rooms:
        who |= Q(room__in=list(rooms))
    rows = Appointment.objects.holding_time().blocking(start, end).filter(who)
    if exclude_id:
        rows = rows.exclude(pk=exclude_id)
    busy = Busy(injector=[], patient=[], rooms=rooms)
    fields = ("injector_id", "patient_id", "room_id", "starts_at", "ends_at", "blocked_until")
    for injector_id, patient_id, room_id, starts, ends, blocked in rows.values_list(*fields):
        if injector_id == injector.pk:
            busy.injector.append((starts, blocked))
        if patient and patient_id == patient.pk:
            busy.patient.append((starts, ends))
        if rooms and room_id in rooms:
            rooms[room_id].append((starts, blocked))
    return busy


@dataclass(frozen=True)
class FreeDay:
    """One day's free starts, nearest the wanted time of day first; on a day the
    location is closed or the injector is away, none and the reason."""

    day: datetime.date
    starts: list[datetime.datetime]
    closed: str = ""


def free_days(
    *,
    injector: User,
    patient: Patient | None,
    location: Location,
    minutes: int,
    preferred: datetime.datetime,
    earliest: datetime.datetime,
    last_day: datetime.date,
    days_with_time: int = 1,
    kind: str | None = None,
) -> list[FreeDay]:
    """The days from ``preferred``'s day on, each with its free starts, until
    ``days_with_time`` days with free time are found or ``last_day`` is passed.

    Days the location is closed or the injector is away offer nothing and say why
    (``clinic.hours``). Candidates start on the quarter hour within the day's opening
    hours and the injector's working hours there, outside their breaks
    (``Closures.bookable``), not before ``earliest``; each day's are ordered nearest the
    preferred time of day first (the earlier of two as near). Busy time of the injector
    and the patient is read once (with the hours, five queries). Given ``kind``, its
    turnover counts against the injector's and the rooms' bookings and, for a kind that
    takes a room, a room must be free too (one more query).
    """
    zone = zone_of(location)
    first_day = preferred.astimezone(zone).date()
    if last_day < first_day:
        return []
    span_start, _ = local_day_bounds(location=location, day=first_day)
    _, span_end = local_day_bounds(location=location, day=last_day)
    busy = busy_intervals(
        injector=injector,
        patient=patient,
        start=span_start,
        end=span_end,
        location=location,
        kind=kind,
    )
    known = closures(
        location=location, first_day=first_day, last_day=last_day, injectors=[injector]
    )
    length = datetime.timedelta(minutes=minutes)
    turnover = buffer_for(kind) if kind else datetime.timedelta()
    wanted_time = preferred.astimezone(zone).time()
    found, with_time, day = [], 0, first_day
    while day <= last_day and with_time < days_with_time:
        reason = known.unavailable(injector, day)  # closed, or the injector is away
        if reason:
            found.append(FreeDay(day=day, starts=[], closed=reason))
            day += datetime.timedelta(days=1)
            continue
        spans = known.bookable(injector, day)
        if not spans:  # a weekday the injector works elsewhere, or not at all
            reason = known.off(injector.pk, day)
            found.append(FreeDay(day=day, starts=[], closed=reason[0][2] + "." if reason else ""))
            day += datetime.timedelta(days=1)
            continue
        target = datetime.datetime.combine(day, wanted_time).replace(tzinfo=zone)
        free = [
            start
            for start in _day_candidates(zone=zone, day=day, spans=spans, length=length)
            if start >= earliest and busy.free(start, start + length, start + length + turnover)
        ]
        free.sort(key=lambda start: (abs(start - target), start))
        found.append(FreeDay(day=day, starts=free))
        with_time += bool(free)
        day += datetime.timedelta(days=1)
    return found


def find_free_slot(
    *,
    injector: User,
    patient: Patient | None,
    location: Location,
    minutes: int,
    preferred: datetime.datetime,
    earliest: datetime.datetime,
    last_day: datetime.date,
    kind: str | None = None,
) -> datetime.datetime | None:
    """The free start nearest ``preferred`` on its day, else on the following days
    (the first of ``free_days``); None when nothing is free until ``last_day``."""
    days = free_days(
        injector=injector,
        patient=patient,
        location=location,
        minutes=minutes,
        preferred=preferred,
        earliest=earliest,
        last_day=last_day,
        kind=kind,
    )
    return next((day.starts[0] for day in days if day.starts), None)


def is_slot_start(
    *, location: Location, start: datetime.datetime, minutes: int, injector: User | None = None
) -> bool:
    """Whether ``start`` is one of the quarter hours its day offers (``Closures.bookable``:
    within opening hours, and the injector's working hours outside breaks)."""
    zone = zone_of(location)
    day = start.astimezone(zone).date()
    known = closures(
        location=location, first_day=day, last_day=day, injectors=[injector] if injector else []
    )
    return start in set(day_starts(known=known, injector=injector, day=day, minutes=minutes))


def day_starts(
    *, known: Closures, injector: User | None, day: datetime.date, minutes: int
) -> list[datetime.datetime]:
    """The quarter hours of ``day`` a booking of ``minutes`` may start at (UTC)."""
    zone = zone_of(known.location)
    spans = known.bookable(injector, day)
    return list(
        _day_candidates(zone=zone, day=day, spans=spans, length=datetime.timedelta(minutes=minutes))
    )


def _day_candidates(
    *, zone: ZoneInfo, day: datetime.date, spans: list[Span], length: datetime.timedelta
):
    """Quarter-hour starts within ``spans`` (minutes of the local day) that fit
    ``length`` before the span ends; a wall-clock time the clocks skip is none."""
    step = SLOT_MINUTES
    for first, last in spans:
        minute = -(-first // step) * step  # on the quarter hour
        while minute + length.total_seconds() // 60 <= last:
            wall = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60))
            start = wall.replace(tzinfo=zone)
            instant = start.astimezone(datetime.UTC)
            if instant.astimezone(zone).replace(tzinfo=None) == wall:
                yield instant
            minute += step
