"""When a location is open and an injector works: the one rule every booking
door asks (issue 19, finding 1 and "Hours").

What it knows, read once for a span of days (``closures``, one statement):

- a location's weekly closed days (``Location.closed_weekdays``), its holidays
  (``ClosedDay``) and its opening hours per weekday (``OpeningHours``: once a
  location has any, a weekday without a row is closed; a location with none is
  open ``opens_at``–``closes_at`` on its other days);
- an injector's time off (``TimeOff``) and working hours per weekday and location
  with a break (``WorkingHours``: an injector with none works whenever the
  location is open).

Refused (``check_open``, through ``clinic.scheduling.check_booking``: the desk's
booking and moving, the Django admin, the two-week review): a closed day, a
weekday without opening hours, the injector's time off.

A warning the desk confirms (``hours_warning``: the booking and moving forms and
the Django admin's form): outside the day's opening hours, outside the
injector's working hours there (or a weekday the injector works elsewhere or not
at all), or in the injector's break.

Never offered (``Closures.bookable``): free-slot searches (``clinic.slots``),
the day and week grids' free times (shaded, with the reason, ``Closures.off``),
"Book review" and the review booked at signing (``charting.due_reviews``).

All times are the location's wall clock.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from . import statements
from .errors import SchedulingError
from .models import Location, User

WEEKDAY_NAMES = (
    "Mondays",
    "Tuesdays",
    "Wednesdays",
    "Thursdays",
    "Fridays",
    "Saturdays",
    "Sundays",
)

Span = tuple[int, int]  # minutes from local midnight, [start, end)


@dataclass(frozen=True)
class Shift:
    """One row of an injector's working hours, in minutes of the day."""

    weekday: int
    location_id: int
    location_name: str
    start: int
    end: int
    break_start: int | None
    break_end: int | None


def minutes(time: datetime.time) -> int:
    return time.hour * 60 + time.minute


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _without(spans: list[Span], cut: Span) -> list[Span]:
    left = []
    for start, end in spans:
        if cut[1] <= start or cut[0] >= end:
            left.append((start, end))
            continue
        if start < cut[0]:
            left.append((start, cut[0]))
        if cut[1] < end:
            left.append((cut[1], end))
    return left


@dataclass
class Closures:
    """A location's closed days and hours and some injectors' time off and working
    hours over a span of days (one statement), asked day by day."""

    location: Location
    holidays: dict[datetime.date, str] = field(default_factory=dict)
    time_off: list[tuple[int, datetime.date, datetime.date, str]] = field(default_factory=list)
    opening: dict[int, Span] = field(default_factory=dict)  # weekday -> hours; {}: the default
    # injector id -> its rows on the span's weekdays ([] for one with hours on others only)
    shifts: dict[int, list[Shift]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # injector id -> name, for messages

    # The location.

    def closed(self, day: datetime.date) -> str:
        """Why the location is closed that day, or ""."""
        weekday = day.weekday()
        if str(weekday) in self.location.closed_weekdays or (
            self.opening and weekday not in self.opening
        ):
            return f"{self.location.name} is closed on {WEEKDAY_NAMES[weekday]}."
        if day in self.holidays:
            return f"{self.location.name} is closed on {day:%b %-d}: {self.holidays[day]}."
        return ""

    def open_hours(self, day: datetime.date) -> Span:
        """The location's opening hours that day (its default ones for a weekday
        without hours of its own: ask ``closed`` first)."""
        return self.opening.get(
            day.weekday(), (minutes(self.location.opens_at), minutes(self.location.closes_at))
        )

    def widest_hours(self, days: list[datetime.date]) -> Span:
        """From the earliest opening to the latest closing of ``days`` (the week's grid)."""
        spans = [self.open_hours(day) for day in days if not self.closed(day)] or [
            self.open_hours(days[0])
        ]
        return min(s for s, _ in spans), max(e for _, e in spans)

    # The injector.

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
        """Why nothing can be booked that day (a refusal), or ""."""
        return self.closed(day) or (self.away(injector, day) if injector else "")

    def shifts_on(self, injector_id: int, day: datetime.date) -> list[Shift] | None:
        """The injector's working hours here that day; None: none entered at all
        (works whenever the location is open)."""
        rows = self.shifts.get(injector_id)
        if rows is None:
            return None
        return [s for s in rows if s.weekday == day.weekday() and s.location_id == self.location.pk]

    def bookable(self, injector: User | int | None, day: datetime.date) -> list[Span]:
        """The spans of the day a booking with the injector may fill without a
        warning: the opening hours, within the injector's hours, less the breaks."""
        if self.unavailable(injector, day):
            return []
        opening = self.open_hours(day)
        shifts = self.shifts_on(getattr(injector, "pk", injector), day) if injector else None
        if shifts is None:
            return [opening]
        spans = []
        for shift in sorted(shifts, key=lambda s: s.start):
            start, end = max(shift.start, opening[0]), min(shift.end, opening[1])
            if start >= end:
                continue
            pieces = [(start, end)]
            if shift.break_start is not None:
                pieces = _without(pieces, (shift.break_start, shift.break_end))
            spans.extend(pieces)
        return spans

    def off(self, injector_id: int, day: datetime.date) -> list[tuple[int, int, str]]:
        """Within the day's opening hours, the times the injector does not work
        there, each with why (for the grids' shading): (start, end, reason)."""
        shifts = self.shifts_on(injector_id, day)
        if shifts is None or self.unavailable(injector_id, day):
            return []
        opening = self.open_hours(day)
        name = self.names.get(injector_id, "The injector")
        if not shifts:
            return [(*opening, self._not_here(injector_id, day))]
        found: list[tuple[int, int, str]] = []
        outside = [opening]
        for shift in shifts:
            outside = _without(outside, (shift.start, shift.end))
            if shift.break_start is not None:
                start = max(shift.break_start, opening[0])
                end = min(shift.break_end, opening[1])
                if start < end:
                    found.append((start, end, f"{name}'s break {hhmm(start)}–{hhmm(end)}"))
        hours = ", ".join(f"{hhmm(s.start)}–{hhmm(s.end)}" for s in shifts)
        found.extend((s, e, f"Outside {name}'s hours here ({hours})") for s, e in outside)
        return sorted(found)

    def _not_here(self, injector_id: int, day: datetime.date) -> str:
        name = self.names.get(injector_id, "The injector")
        elsewhere = sorted(
            {s.location_name for s in self.shifts[injector_id] if s.weekday == day.weekday()}
        )
        where = f" (at {', '.join(elsewhere)})" if elsewhere else ""
        return (
            f"{name} does not work at {self.location.name} on {WEEKDAY_NAMES[day.weekday()]}{where}"
        )

    def warning(self, injector: User, start: datetime.datetime, end: datetime.datetime) -> str:
        """Why a booking from ``start`` to ``end`` (local) needs confirming, or ""."""
        day = start.date()
        first = minutes(start.time())
        last = minutes(end.time()) if end.date() == day else 24 * 60
        when = f"this booking ({start:%H:%M}–{end:%H:%M})"
        opens, closes = self.open_hours(day)
        if first < opens or last > closes:
            return (
                f"{self.location.name} is open {hhmm(opens)}–{hhmm(closes)} on "
                f"{WEEKDAY_NAMES[day.weekday()]}; {when} is outside opening hours."
            )
        shifts = self.shifts_on(injector.pk, day)
        if shifts is None:
            return ""
        self.names.setdefault(injector.pk, injector.get_full_name())
        if not shifts:
            return f"{self._not_here(injector.pk, day)}; {when} is outside their hours."
        inside = [s for s in shifts if s.start <= first and last <= s.end]
        if not inside:
            hours = ", ".join(f"{hhmm(s.start)}–{hhmm(s.end)}" for s in shifts)
            return (
                f"{injector.get_full_name()} works {hours} at {self.location.name} on "
                f"{WEEKDAY_NAMES[day.weekday()]}; {when} is outside their hours."
            )
        for shift in inside:
            if (
                shift.break_start is not None
                and first < shift.break_end
                and last > shift.break_start
            ):
                return (
                    f"{when[0].upper()}{when[1:]} falls in {injector.get_full_name()}'s break "
                    f"{hhmm(shift.break_start)}–{hhmm(shift.break_end)}."
                )
        return ""


# The four reads in one statement (issue 22: four ORM queries cost the day view
# about 6 ms of CPU, compiling them most of it), the working hours only of the
# span's weekdays with a row per injector who has any ('a': the name, and "has
# hours" for the weekdays without; parsing every row of a chain's hours was a
# millisecond of the day view). Plain SQL that PostgreSQL and SQLite both run: one
# row shape for all, numbers in n1–n3, text in t1–t7 (dates and times as ISO text,
# parsed below). Read on every call, never kept: booking, moving and the grids see
# the hours as they are now.
_KINDS_SQL = """
SELECT 'c', CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       CAST(d.day AS TEXT), d.reason, NULL, NULL, NULL, NULL, NULL
  FROM clinic_closedday d WHERE d.location_id = %s AND d.day BETWEEN %s AND %s
UNION ALL
SELECT 'o', a.injector_id, a.id, NULL, CAST(a.first_day AS TEXT), CAST(a.last_day AS TEXT),
       a.reason, NULL, NULL, NULL, NULL
  FROM clinic_timeoff a WHERE a.first_day <= %s AND a.last_day >= %s {away}
UNION ALL
SELECT 'h', o.weekday, NULL, NULL, CAST(o.opens_at AS TEXT), CAST(o.closes_at AS TEXT),
       NULL, NULL, NULL, NULL, NULL
  FROM clinic_openinghours o WHERE o.location_id = %s
UNION ALL
SELECT 'w', w.injector_id, w.weekday, w.location_id, CAST(w.starts_at AS TEXT),
       CAST(w.ends_at AS TEXT), CAST(w.break_starts_at AS TEXT), CAST(w.break_ends_at AS TEXT),
       l.name, NULL, NULL
  FROM clinic_workinghours w
  JOIN clinic_location l ON l.id = w.location_id
 WHERE 1 = 1 {rows}{weekdays}
UNION ALL
SELECT 'a', u.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, u.first_name, u.last_name
  FROM clinic_user u
 WHERE EXISTS (SELECT 1 FROM clinic_workinghours w WHERE w.injector_id = u.id {rows})
"""


def _clock(text: str | None) -> int | None:
    """Minutes of the day from a time as the database prints it ("09:30:00")."""
    return None if text is None else int(text[:2]) * 60 + int(text[3:5])


def closures(
    *,
    location: Location,
    first_day: datetime.date,
    last_day: datetime.date,
    injectors: list[User] | None = None,
) -> Closures:
    """What ``Closures`` knows for ``location`` from ``first_day`` to ``last_day``,
    for ``injectors`` (None: every one). One query: holidays, time off, opening
    hours, working hours (of the span's weekdays)."""
    params: list[object] = [location.pk, first_day, last_day, last_day, first_day]
    if injectors is None:
        only = ""
    elif injectors:
        ids = [getattr(each, "pk", each) for each in injectors]
        only = " AND {column} IN (" + ", ".join(["%s"] * len(ids)) + ")"
    else:
        only = " AND 1 = 0"
    # Working hours of the weekdays the span holds (a day view reads one of seven); an
    # injector with hours on other weekdays only is still one with hours ('a' rows).
    span = (last_day - first_day).days + 1
    weekdays = sorted(
        {(first_day + datetime.timedelta(days=n)).weekday() for n in range(min(span, 7))}
    )
    on_days = (
        ""
        if len(weekdays) == 7
        else " AND w.weekday IN (" + ", ".join(["%s"] * len(weekdays)) + ")"
    )
    sql = _KINDS_SQL.format(
        away=only.format(column="a.injector_id"),
        rows=only.format(column="w.injector_id"),
        weekdays=on_days,
    )
    if injectors:
        params += ids
    params.append(location.pk)
    if injectors:
        params += ids
    if on_days:
        params += weekdays
    if injectors:
        params += ids
    found = statements.all_rows(sql, params)  # nosec B608 - placeholders only, values are parameters
    holidays: dict[datetime.date, str] = {}
    away: list[tuple[datetime.date, int, int, datetime.date, str]] = []
    opening: dict[int, Span] = {}
    rows: list[tuple] = []
    with_hours: list[tuple[int, str]] = []
    for kind, n1, n2, n3, t1, t2, t3, t4, t5, t6, t7 in found:
        if kind == "c":
            holidays[datetime.date.fromisoformat(t1)] = t2
        elif kind == "o":
            first, last = datetime.date.fromisoformat(t1), datetime.date.fromisoformat(t2)
            away.append((first, n2, n1, last, t3))
        elif kind == "h":
            opening[n1] = (_clock(t1), _clock(t2))
        elif kind == "a":
            with_hours.append((n1, f"{t6} {t7}".strip()))
        else:
            rows.append((n1, n2, _clock(t1), n3, t5, _clock(t2), _clock(t3), _clock(t4)))
    shifts: dict[int, list[Shift]] = {who: [] for who, _ in sorted(with_hours)}
    names: dict[int, str] = dict(with_hours)
    for who, weekday, start, where, where_name, end, pause, resume in sorted(
        rows, key=lambda row: row[:3]
    ):
        shifts.setdefault(who, []).append(
            Shift(
                weekday=weekday,
                location_id=where,
                location_name=where_name,
                start=start,
                end=end,
                break_start=pause,
                break_end=resume,
            )
        )
    return Closures(
        location=location,
        holidays=holidays,
        time_off=[(who, first, last, why) for first, _, who, last, why in sorted(away)],
        opening=opening,
        shifts=shifts,
        names=names,
    )


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


def hours_warning(
    *,
    location: Location,
    injector: User | None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> str:
    """Why a booking needs the desk's confirmation (outside the location's hours
    that day, outside the injector's hours, in a break), or "". Asked by the
    booking and moving forms and the Django admin's appointment form."""
    zone = ZoneInfo(location.time_zone)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    known = closures(
        location=location,
        first_day=start.date(),
        last_day=start.date(),
        injectors=[injector] if injector else [],
    )
    if injector is None:
        opens, closes = known.open_hours(start.date())
        inside = opens <= minutes(start.time()) and (
            end.date() == start.date() and minutes(end.time()) <= closes
        )
        return (
            ""
            if inside
            else (
                f"{location.name} is open {hhmm(opens)}–{hhmm(closes)}; this booking "
                f"({start:%H:%M}–{end:%H:%M}) is outside opening hours."
            )
        )
    return known.warning(injector, start, end)
