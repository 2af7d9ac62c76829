"""The front desk's figures per week and location (issue 19): no-show rate and
utilisation per resource. Names, counts and minutes only, nothing clinical.

Definitions (the figures page says them too):

- **No-show rate**: of the week's appointments whose start has passed and that were
  not cancelled, the share marked no-show (a past one never marked counts as kept).
- **Utilisation** of a resource: booked minutes ÷ available minutes. Booked: the
  minutes of appointments holding time (booked, arrived, in treatment, completed; a
  no-show's time is lost, counted in the no-show rate) at the location, on the day they
  start. Available: the location's opening hours on the days it is open
  (``clinic.hours``: weekly closed days, holidays, each weekday's own hours); for an
  injector, within their working hours there less their break, and none on their time
  off; for a room, the opening hours.

A resource kind is a ``ResourceKind``: which resource an appointment takes, which
resources a week shows, and how many minutes one is available on a day: injectors
(``injectors_kind``) and treatment rooms (``rooms_kind``).

Queries: a constant number however many weeks and appointments (the appointments, the
injectors' names, the rooms, and the hours of ``clinic.hours.closures``: four per
location).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .access import injectors
from .hours import Closures, closures
from .models import HOLDS_TIME, Appointment, Location, Room, User
from .slots import local_day_bounds, zone_of

WEEK = datetime.timedelta(days=7)
MOST_WEEKS = 26


@dataclass(frozen=True)
class Booked:
    """What the figures read of one appointment."""

    location_id: int
    injector_id: int
    room_id: int | None
    status: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    day: datetime.date  # its start's day on the location's clock

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass
class Span:
    """Everything the figures read for some locations over some days, read once."""

    locations: list[Location]
    first_day: datetime.date
    last_day: datetime.date
    appointments: list[Booked]
    closures: dict[int, Closures]  # per location: holidays, everyone's time off
    names: dict[int, str]  # injector id -> full name
    home: dict[int, set[int]]  # location id -> active injectors working there by default
    rooms: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # location -> rooms
    room_names: dict[int, str] = field(default_factory=dict)  # room id -> name


@dataclass(frozen=True)
class ResourceKind:
    """A kind of resource whose utilisation is shown (injectors; rooms to come)."""

    name: str  # "Injector"
    # the resource an appointment takes (None: none of this kind)
    resource_of: Callable[[Booked], int | None]
    # the resources a location's week shows, given the resources booked that week
    shown: Callable[[Span, Location, set[int]], Iterable[int]]
    label: Callable[[Span, int], str]
    # minutes the resource is available at the location on a day
    available_minutes: Callable[[Span, Location, int, datetime.date], int]


def opening_minutes(location: Location, day: datetime.date, closures: Closures) -> int:
    """The location's opening hours that day in minutes (0 when it is closed)."""
    if closures.closed(day):
        return 0
    opens, closes = closures.open_hours(day)
    return closes - opens


def _injector_available(span: Span, location: Location, injector_id: int, day) -> int:
    # Within the opening hours and the injector's hours there, less the break; none
    # on a closed day or time off (``Closures.bookable``).
    return sum(end - start for start, end in span.closures[location.pk].bookable(injector_id, day))


def _room_available(span: Span, location: Location, room_id: int, day) -> int:
    return opening_minutes(location, day, span.closures[location.pk])


def injectors_kind() -> ResourceKind:
    """Injectors: the ones booked at the location that week and those who work there
    by default (so an idle one shows 0 %, not nothing)."""
    return ResourceKind(
        name="Injector",
        resource_of=lambda booked: booked.injector_id,
        shown=lambda span, location, booked: sorted(
            booked | span.home.get(location.pk, set()), key=lambda pk: span.names.get(pk, "")
        ),
        label=lambda span, pk: span.names.get(pk, f"Injector #{pk}"),
        available_minutes=_injector_available,
    )


def rooms_kind() -> ResourceKind:
    """Treatment rooms: every active room of the location (an idle one shows 0 %)."""
    return ResourceKind(
        name="Room",
        resource_of=lambda booked: booked.room_id,
        shown=lambda span, location, booked: sorted(
            {pk for pk, _ in span.rooms.get(location.pk, [])} | booked,
            key=lambda pk: span.room_names.get(pk, ""),
        ),
        label=lambda span, pk: span.room_names.get(pk, f"Room #{pk}"),
        available_minutes=_room_available,
    )


@dataclass
class Use:
    resource_id: int
    label: str
    booked_minutes: int
    available_minutes: int

    @property
    def rate(self) -> float | None:
        if not self.available_minutes:
            return None
        return self.booked_minutes / self.available_minutes


@dataclass
class WeekFigures:
    location: Location
    week: datetime.date  # its Monday
    past: int = 0  # appointments started, not cancelled
    no_shows: int = 0
    booked: int = 0  # appointments holding time
    use: dict[str, list[Use]] = field(default_factory=dict)  # per resource kind

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.past if self.past else None


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def load_span(
    *, locations: list[Location], first_day: datetime.date, last_day: datetime.date
) -> Span:
    """Read the span once (four queries)."""
    by_pk = {location.pk: location for location in locations}
    starts, ends = [], []
    for location in locations:
        starts.append(local_day_bounds(location=location, day=first_day)[0])
        ends.append(local_day_bounds(location=location, day=last_day)[1])
    appointments = []
    if locations:
        # query: the appointments of these locations in the span (the columns read)
        rows = (
            Appointment.objects.filter(
                location__in=by_pk, starts_at__gte=min(starts), starts_at__lt=max(ends)
            )
            .values_list("location_id", "injector_id", "room_id", "status", "starts_at", "ends_at")
            .order_by()
        )
        for location_id, injector_id, room_id, status, starts_at, ends_at in rows:
            day = starts_at.astimezone(zone_of(by_pk[location_id])).date()
            if first_day <= day <= last_day:
                appointments.append(
                    Booked(location_id, injector_id, room_id, status, starts_at, ends_at, day)
                )
    # queries: per location, its holidays and opening hours, everyone's time off and
    # working hours (the one rule of the hours, clinic.hours)
    known = {
        pk: closures(location=location, first_day=first_day, last_day=last_day)
        for pk, location in by_pk.items()
    }
    rooms: dict[int, list[tuple[int, str]]] = defaultdict(list)
    room_names: dict[int, str] = {}
    # query: the rooms of these locations (active ones shown; a booked one always)
    for pk, location_id, name, active in Room.objects.filter(location__in=by_pk).values_list(
        "pk", "location_id", "name", "is_active"
    ):
        room_names[pk] = name
        if active:
            rooms[location_id].append((pk, name))
    names, home = {}, defaultdict(set)
    # query: the injectors' names and home locations (every injector, active or not)
    booked_ids = {booked.injector_id for booked in appointments}
    for pk, first, last, location_id, active in (
        User.objects.filter(Q(pk__in=booked_ids) | Q(pk__in=injectors()))
        .values_list("pk", "first_name", "last_name", "default_location_id", "is_active")
        .order_by()
    ):
        names[pk] = f"{first} {last}".strip()
        if active and location_id:
            home[location_id].add(pk)
    return Span(locations, first_day, last_day, appointments, known, names, home, rooms, room_names)


def figures(
    *,
    locations: list[Location],
    last_week: datetime.date,
    weeks: int,
    now: datetime.datetime | None = None,
    kinds: Iterable[ResourceKind] | None = None,
) -> list[WeekFigures]:
    """The figures of ``weeks`` weeks up to the one holding ``last_week``, per location
    (the newest week first, locations in their order)."""
    now = now or timezone.now()
    kinds = list(kinds) if kinds is not None else [injectors_kind(), rooms_kind()]
    weeks = max(1, min(weeks, MOST_WEEKS))
    last_monday = week_of(last_week)
    first_monday = last_monday - WEEK * (weeks - 1)
    span = load_span(
        locations=locations,
        first_day=first_monday,
        last_day=last_monday + datetime.timedelta(days=6),
    )
    grouped: dict[tuple[int, datetime.date], list[Booked]] = defaultdict(list)
    for booked in span.appointments:
        grouped[(booked.location_id, week_of(booked.day))].append(booked)
    found = []
    for offset in range(weeks):
        monday = last_monday - WEEK * offset
        for location in locations:
            rows = grouped[(location.pk, monday)]
            week = WeekFigures(location=location, week=monday)
            for booked in rows:
                if booked.status != Appointment.Status.CANCELLED and booked.starts_at <= now:
                    week.past += 1
                    week.no_shows += booked.status == Appointment.Status.NO_SHOW
                week.booked += booked.status in HOLDS_TIME
            for kind in kinds:
                week.use[kind.name] = _use(kind, span, location, monday, rows)
            found.append(week)
    return found


def _use(kind: ResourceKind, span: Span, location: Location, monday, rows) -> list[Use]:
    minutes: dict[int, int] = defaultdict(int)
    for booked in rows:
        resource = kind.resource_of(booked)
        if resource is not None and booked.status in HOLDS_TIME:
            minutes[resource] += booked.minutes
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    return [
        Use(
            resource_id=pk,
            label=kind.label(span, pk),
            booked_minutes=minutes.get(pk, 0),
            available_minutes=sum(kind.available_minutes(span, location, pk, d) for d in days),
        )
        for pk in kind.shown(span, location, set(minutes))
    ]
