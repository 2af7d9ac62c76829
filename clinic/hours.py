"""When a location is open and an injector works: the one rule every booking
door asks (issue 19, finding 1).

A location is closed on its weekly closed days (``Location.closed_weekdays``)
and its holidays (``ClosedDay``); an injector is away on their ``TimeOff``. A
booking on such a day is refused with the reason (``check_open``, called by
``clinic.scheduling.check_booking``: the desk's booking and moving, the Django
admin, the two-week review); free times are not offered there (``Closures``,
read once for a span of days by ``slots.find_free_slot`` and the day and week
views). Within an open day, opening hours stay a warning the desk may confirm.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .errors import SchedulingError
from .models import ClosedDay, Location, TimeOff, User

WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)


@dataclass
class Closures:
    """A location's closed days and some injectors' time off over a span of days
    (two queries), asked day by day."""

    location: Location
    holidays: dict[datetime.date, str] = field(default_factory=dict)
    time_off: list[tuple[int, datetime.date, datetime.date, str]] = field(default_factory=list)

    def closed(self, day: datetime.date) -> str:
        """Why the location is closed that day, or ""."""
        if str(day.weekday()) in self.location.closed_weekdays:
            return f"{self.location.name} is closed on {WEEKDAY_NAMES[day.weekday()]}."
        if day in self.holidays:
            return f"{self.location.name} is closed on {day:%b %-d}: {self.holidays[day]}."
        return ""

    def away(self, injector: User | int, day: datetime.date) -> str:
        """Why the injector is not working that day, or ""."""
        injector_id = getattr(injector, "pk", injector)
        for who, first, last, reason in self.time_off:
            if who == injector_id and first <= day <= last:
                why = f": {reason}" if reason else ""
                if isinstance(injector, User):
                    return f"{injector.get_full_name()} is away {first:%b %-d}–{last:%b %-d}{why}."
                return f"Away {first:%b %-d}–{last:%b %-d}{why}."  # under the injector's name
        return ""

    def unavailable(self, injector: User | int | None, day: datetime.date) -> str:
        return self.closed(day) or (self.away(injector, day) if injector else "")


def closures(
    *,
    location: Location,
    first_day: datetime.date,
    last_day: datetime.date,
    injectors: list[User] | None = None,
) -> Closures:
    holidays = dict(
        ClosedDay.objects.filter(location=location, day__range=(first_day, last_day)).values_list(
            "day", "reason"
        )
    )
    away = TimeOff.objects.filter(first_day__lte=last_day, last_day__gte=first_day)
    if injectors is not None:
        away = away.filter(injector__in=injectors)
    time_off = list(away.values_list("injector_id", "first_day", "last_day", "reason"))
    return Closures(location=location, holidays=holidays, time_off=time_off)


def check_open(
    *,
    location: Location,
    injector: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> None:
    """Refuse a booking on a day the location is closed or the injector is away."""
    zone = ZoneInfo(location.time_zone)
    first, last = starts_at.astimezone(zone).date(), ends_at.astimezone(zone).date()
    known = closures(location=location, first_day=first, last_day=last, injectors=[injector])
    day = first
    while day <= last:
        reason = known.unavailable(injector, day)
        if reason:
            raise SchedulingError(f"{reason} Choose another day.", field="starts")
        day += datetime.timedelta(days=1)
