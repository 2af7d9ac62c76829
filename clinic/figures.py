"""The front desk's figures per week and location (issue 19): no-show rate and
utilisation per resource. Names, counts and minutes only, nothing clinical.

Definitions (the figures page says them too):

- **No-show rate**: of the week's appointments whose start has passed and that were
  not cancelled, the share marked no-show (a past one never marked counts as kept).
- **Utilisation** of a resource: booked minutes ÷ available minutes. Booked: the
  minutes of appointments holding time (booked, arrived, in treatment, completed; a
  no-show's time is lost, counted in the no-show rate) at the location, on the day they
  start. Available: the location's opening hours on the days it is open
  (``clinic.hours``: weekly closed days, holidays), minus the resource's own days off
  (an injector's time off).

A resource kind is a ``ResourceKind``: which resource an appointment takes, which
resources a week shows, and how many minutes one is available on a day. Injectors are
the one kind today (``injectors_kind``); rooms add theirs by passing another to
``figures``.

Queries: a constant number however many weeks, locations and appointments (the
appointments, the holidays, the time off, the injectors' names: four).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .access import injectors
from .hours import Closures
from .models import HOLDS_TIME, Appointment, ClosedDay, Location, TimeOff, User
from .slots import local_day_bounds, zone_of

WEEK = datetime.timedelta(days=7)
MOST_WEEKS = 26


@dataclass(frozen=True)
class Booked:
    """What the figures read of one appointment."""

    location_id: int
    injector_id: int
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
    opens = datetime.datetime.combine(day, location.opens_at)
    closes = datetime.datetime.combine(day, location.closes_at)
    return int((closes - opens).total_seconds() // 60)


def _injector_available(span: Span, location: Location, injector_id: int, day) -> int:
    closures = span.closures[location.pk]
    if closures.away(injector_id, day):
        return 0
    return opening_minutes(location, day, closures)


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
            .values_list("location_id", "injector_id", "status", "starts_at", "ends_at")
            .order_by()
        )
        for location_id, injector_id, status, starts_at, ends_at in rows:
            day = starts_at.astimezone(zone_of(by_pk[location_id])).date()
            if first_day <= day <= last_day:
                appointments.append(
                    Booked(location_id, injector_id, status, starts_at, ends_at, day)
                )
    holidays = defaultdict(dict)
    # query: the holidays of these locations in the span
    for location_id, day, reason in ClosedDay.objects.filter(
        location__in=by_pk, day__range=(first_day, last_day)
    ).values_list("location_id", "day", "reason"):
        holidays[location_id][day] = reason
    # query: everyone's time off in the span
    time_off = list(
        TimeOff.objects.filter(first_day__lte=last_day, last_day__gte=first_day).values_list(
            "injector_id", "first_day", "last_day", "reason"
        )
    )
    closures = {
        pk: Closures(location=location, holidays=holidays[pk], time_off=time_off)
        for pk, location in by_pk.items()
    }
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
    return Span(locations, first_day, last_day, appointments, closures, names, home)


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
    kinds = list(kinds) if kinds is not None else [injectors_kind()]
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
