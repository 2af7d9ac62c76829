"""Lays appointments out as a time grid: one column per injector (day view) or
per day (week view), rows of five minutes, in one location's time zone.

Pure layout, no queries: the views fetch, this arranges, and one fragment
(``templates/fragments/clinic/schedule_grid.jinja``) draws the grid: a day has a
few hundred free slots and up to a few hundred appointments, and the Django
template's loops over them were most of the day view's time
(docs/benchmarks.md). Rows and spans become CSS classes (``r<row>``, ``s<span>``
in static/css/schedule.css) because the pages carry no inline styles.

A column's free times are the same markup on every read until one of them
passes: they are a function of the day's times (label, classes, still to come),
the booking link and the column's title, and hold no patient's data. They are
drawn once (``clinic/schedule_slots.jinja``) and kept in the process, bounded
(``free_slots``). An appointment's block is drawn once per process per everything
it shows but its patient's name (``Shown``: its times, kind, status, links and place
in the grid), in two halves, and the name is written between them on every read
(``block_drawer``): no patient's text is kept.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import NamedTuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.template import engines
from django.urls import reverse
from markupsafe import Markup

from .fragments import render_fragment
from .links import Links
from .models import Appointment
from .models.appointments import GridAppointment
from .slots import SLOT_MINUTES

ROW_MINUTES = 5
KINDS = dict(Appointment.Kind.choices)  # the labels, without get_kind_display()'s lookups
STATUSES = dict(Appointment.Status.choices)
MAX_ROWS = 288  # a whole day; schedule.css defines r1..r288 and s1..s288
# Columns' free times kept (free_slots): a few locations' days, each a column per
# injector or room, and their changes as the day's times pass.
KEPT_SLOT_COLUMNS = 512
# Appointments' blocks kept (block_drawer): their own bound, so that a busy week's
# blocks (half a kilobyte each) never push a column's free times out.
KEPT_BLOCKS = 4096

# A free time of a column, as the fragment writes it: its CSS classes, the booking
# page's URL for it ("" once it is past), its label ("09:15") and the label read
# out for it ("Book Dr Lee at 09:15"). Plain tuples: a day has hundreds.
Slot = tuple[str, str, str, str]


@dataclass
class Block:
    appointment: GridAppointment
    row: int
    span: int
    start: datetime.datetime
    end: datetime.datetime
    turnover: int = 0  # rows of turnover after it (clinic.buffers), drawn under its end


@dataclass
class Column:
    key: str
    title: str
    subtitle: str = ""
    link: str = ""
    is_today: bool = False
    closed: str = ""  # why nothing can be booked in it: closed, or the injector away
    # Times the injector does not work there (outside their hours, a break), shaded
    # with why: (row, span, reason).
    off: list[tuple[int, int, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Grid:
    columns: list[Column]
    hours: list[tuple[int, str]]
    rows: int
    body: Markup  # the hours and the columns, drawn by their fragment


def grid_bounds(
    *,
    opens: datetime.time,
    closes: datetime.time,
    local_times: list[tuple[datetime.datetime, datetime.datetime]],
) -> tuple[int, int]:
    """First and last minute of the day the grid shows, on whole hours."""
    first = opens.hour * 60
    last = closes.hour * 60 + closes.minute
    for start, end in local_times:
        first = min(first, start.hour * 60)
        end_minute = end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60
        last = max(last, end_minute)
    last = -(-last // 60) * 60
    return first, max(last, first + 60)


def build_grid(
    *,
    columns: list[tuple[Column, datetime.date, list[GridAppointment], dict]],
    zone: ZoneInfo,
    opens: datetime.time,
    closes: datetime.time,
    now: datetime.datetime,
    show_location: bool = False,
    links: Links | None = None,
    unavailable: Callable[[Column, datetime.date], str] | None = None,
    day_hours: Callable[[datetime.date], tuple[int, int]] | None = None,
    off: Callable[[Column, datetime.date], list[tuple[int, int, str]]] | None = None,
) -> Grid:
    """``columns``: (column, its day, its appointments, booking parameters).
    ``show_location``: the blocks name the appointment's location (week view).
    ``unavailable``: why a column's day cannot be booked (clinic.hours), or "";
    such a column offers no free times and says why. ``day_hours``: a day's opening
    hours in minutes (else ``opens``–``closes``). ``off``: the times of a column's
    day its injector does not work, (start, end, why) in minutes (clinic.hours
    ``Closures.off``): no free time is offered there, the band is shaded and says why."""
    local = {
        a.pk: (a.starts_at.astimezone(zone), a.ends_at.astimezone(zone))
        for _, _, appointments, _ in columns
        for a in appointments
    }
    first, last = grid_bounds(opens=opens, closes=closes, local_times=list(local.values()))
    rows = (last - first) // ROW_MINUTES
    links = links or Links()
    book = reverse("appointment_book")
    times = {}  # the free times of each day shown: the same for every column of that day
    drawn = []
    draw = block_drawer()
    for column, day, appointments, params in columns:
        for appointment in appointments:
            start, end = local[appointment.pk]
            start_minute = start.hour * 60 + start.minute if start.date() == day else 0
            end_minute = end.hour * 60 + end.minute if end.date() == day else 24 * 60
            row = _row(start_minute, first)
            span = max(1, -(-(end_minute - max(start_minute, first)) // ROW_MINUTES))
            block = Block(
                appointment=appointment, row=row, span=min(span, rows), start=start, end=end
            )
            block.turnover = _turnover_rows(
                appointment, zone=zone, day=day, end=end, rows=rows - row - block.span + 1
            )
            column.blocks.append(block)
        if day not in times:
            day_opens, day_closes = opens, closes
            if day_hours is not None:
                day_opens, day_closes = (_time(m) for m in day_hours(day))
            times[day] = free_times(
                day=day,
                zone=zone,
                now=now,
                first=first,
                opens=day_opens,
                closes=day_closes,
                last=last,
            )
        booking = f"{book}?{urlencode({**params, 'day': day.isoformat()})}&start="
        blocks = [
            (
                *draw(shown(b, now=now, links=links, show_location=show_location)),
                b.appointment.first_name,
                b.appointment.last_name,
            )
            for b in column.blocks
        ]
        column.closed = unavailable(column, day) if unavailable else ""
        bands = off(column, day) if off and not column.closed else []
        offered = times[day]
        if bands:
            offered = [t for t in offered if _clear_of(_minute(t[0]), bands)]
            column.off = [
                (_row(s, first), max(1, -(-(e - max(s, first)) // ROW_MINUTES)), why)
                for s, e, why in bands
                if e > first and s < last
            ]
        free = "" if column.closed else free_slots(tuple(offered), booking, column.title)
        drawn.append((column, free, blocks))
    hours = [(_row(m, first), f"{m // 60:02d}:00") for m in range(first, last, 60)]
    body = render_fragment("clinic/schedule_grid.jinja", hours=hours, columns=drawn)
    return Grid(columns=[c for c, _, _, _ in columns], hours=hours, rows=rows, body=body)


class Shown(NamedTuple):
    """What an appointment's block shows, as text, but its patient's name (written on
    every read, never kept: ``block_drawer``)."""

    pk: int
    kind: str
    status: str
    row: int
    span: int
    href: str
    move: str  # where a drag reschedules it: a booking still to come, else ""
    times: str  # "10:00–10:30"
    what: str  # the kind, and the location in the week view
    badge: str  # the status, unless booked
    turnover: int  # rows of turnover under it, 0 for none
    turnover_until: str  # "10:55"


def free_times(
    *,
    day: datetime.date,
    zone: ZoneInfo,
    now: datetime.datetime,
    first: int,
    opens: datetime.time,
    closes: datetime.time,
    last: int,
) -> list[tuple[str, str, bool]]:
    """The day's bookable times from opening to closing, in time order: (label,
    CSS classes, still to come)."""
    span = SLOT_MINUTES // ROW_MINUTES
    closing = closes.hour * 60 + closes.minute
    ahead = False  # slots come in time order: once one is ahead of now, all that follow are
    times = []
    for minute in range(opens.hour * 60 + opens.minute, last, SLOT_MINUTES):
        if minute + SLOT_MINUTES > closing:
            break
        hour, minutes = divmod(minute, 60)
        ahead = ahead or datetime.datetime.combine(day, datetime.time(hour, minutes), zone) > now
        classes = f"sched-slot r{_row(minute, first)} s{span}{'' if minutes else ' on-hour'}"
        times.append((f"{hour:02d}:{minutes:02d}", classes if ahead else f"{classes} past", ahead))
    return times


def free_slots(times: tuple[tuple[str, str, bool], ...], booking: str, title: str) -> Markup:
    """A column's free times drawn (``clinic/schedule_slots.jinja``), once per set of
    arguments and template: they are all the markup depends on."""
    # The template as the engine has it now: a changed one (development's reload)
    # is another key, so kept columns never outlive it.
    template = engines["fragments"].env.get_template("clinic/schedule_slots.jinja")
    return _kept_slots(template, times, booking, title)


@lru_cache(maxsize=KEPT_SLOT_COLUMNS)
def _kept_slots(template, times, booking: str, title: str) -> Markup:
    """``template``: only part of the key (the version of the fragment drawn)."""
    return render_fragment(
        "clinic/schedule_slots.jinja", slots=slots(times, booking=booking, title=title)
    )


def slots(times, *, booking: str, title: str) -> list[Slot]:
    """One column's free times: a link to book each one still to come (``booking``
    ends with ``start=``), a grey box for each one past."""
    return [
        (classes, f"{booking}{label}", label, f"Book {title} at {label}")
        if ahead
        else (classes, "", label, "")
        for label, classes, ahead in times
    ]


def shown(block: Block, *, now: datetime.datetime, links: Links, show_location: bool) -> Shown:
    a = block.appointment
    booked = a.status == Appointment.Status.BOOKED
    what = KINDS.get(a.kind, a.kind)
    return Shown(
        pk=a.pk,
        kind=a.kind,
        status=a.status,
        row=block.row,
        span=block.span,
        href=links("appointment_detail", a.pk),
        move=links("appointment_reschedule", a.pk) if booked and a.starts_at > now else "",
        times=f"{_clock(block.start)}–{_clock(block.end)}",
        what=f"{what} · {a.location_name}" if show_location else what,
        badge="" if booked else STATUSES.get(a.status, a.status),
        turnover=block.turnover,
        turnover_until=_clock(block.end + (a.blocked_until - a.ends_at)),
    )


def block_drawer() -> Callable[[Shown], tuple[Markup, Markup]]:
    """Draws an appointment's block (``clinic/schedule_block.jinja``) up to its
    patient's name and after it, kept per process by the ``Shown`` it is handed (all
    the two halves show). Drawn value by value on every read, a busy day's eighty
    blocks were 0.6 ms of the day view (issue 22, eighteenth session)."""
    # The template as the engine has it now: a changed one (development's reload) is
    # another key, so kept blocks never outlive it.
    template = engines["fragments"].env.get_template("clinic/schedule_block.jinja")
    return partial(_kept_block, template)


@lru_cache(maxsize=KEPT_BLOCKS)
def _kept_block(template, block: Shown) -> tuple[Markup, Markup]:
    """``template``: only part of the key (the version of the fragment drawn)."""
    module = template.make_module({})
    fields = block._asdict()  # by name: a field the macros do not take is an error
    return module.opening(**fields), module.closing(**fields)


def _clock(moment: datetime.datetime) -> str:
    """``f"{moment:%H:%M}"``, without strftime: a fifth of the time, three times a block
    (a busy day's 80 blocks spent a quarter of a millisecond on it; issue 22)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _minute(label: str) -> int:
    return int(label[:2]) * 60 + int(label[3:5])


def _clear_of(minute: int, bands: list[tuple[int, int, str]]) -> bool:
    """Whether the free time starting at ``minute`` overlaps none of ``bands``."""
    end = minute + SLOT_MINUTES
    # A loop, not all() over a generator: a busy day asks this 250 times a read.
    for start, until, _ in bands:  # noqa: SIM110
        if start < end and until > minute:
            return False
    return True


def _time(minute: int) -> datetime.time:
    return datetime.time(minute // 60, minute % 60)


def _turnover_rows(appointment: GridAppointment, *, zone, day, end, rows: int) -> int:
    """How many rows of the day the appointment's turnover covers after its end."""
    if appointment.blocked_until <= appointment.ends_at or end.date() != day:
        return 0
    blocked = appointment.blocked_until.astimezone(zone)
    until = blocked.hour * 60 + blocked.minute if blocked.date() == day else 24 * 60
    return max(0, min(rows, -(-(until - (end.hour * 60 + end.minute)) // ROW_MINUTES)))


def _row(minute: int, first: int) -> int:
    return max(1, min(MAX_ROWS, (minute - first) // ROW_MINUTES + 1))
