"""Lays appointments out as a time grid: one column per injector (day view) or
per day (week view), rows of five minutes, in one location's time zone.

Pure layout, no queries: the views fetch, this arranges. Rows and spans become
CSS classes (``r<row>``, ``s<span>`` in static/css/schedule.css) because the
pages carry no inline styles.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from .links import Links
from .models import Appointment
from .slots import SLOT_MINUTES

ROW_MINUTES = 5
KINDS = dict(Appointment.Kind.choices)  # the labels, without get_kind_display()'s lookups
STATUSES = dict(Appointment.Status.choices)
MAX_ROWS = 288  # a whole day; schedule.css defines r1..r288 and s1..s288


@dataclass
class Block:
    appointment: Appointment
    row: int
    span: int
    start: datetime.datetime
    end: datetime.datetime


@dataclass
class Column:
    key: str
    title: str
    subtitle: str = ""
    link: str = ""
    is_today: bool = False
    blocks: list[Block] = field(default_factory=list)
    body: SafeString = SafeString("")  # the free slots and the blocks, as markup


@dataclass
class Grid:
    columns: list[Column]
    hours: list[tuple[int, str]]
    rows: int


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
    columns: list[tuple[Column, datetime.date, list[Appointment], dict]],
    zone: ZoneInfo,
    opens: datetime.time,
    closes: datetime.time,
    now: datetime.datetime,
    show_location: bool = False,
    links: Links | None = None,
) -> Grid:
    """``columns``: (column, its day, its appointments, booking parameters).
    ``show_location``: the blocks name the appointment's location (week view)."""
    local = {
        a.pk: (a.starts_at.astimezone(zone), a.ends_at.astimezone(zone))
        for _, _, appointments, _ in columns
        for a in appointments
    }
    first, last = grid_bounds(opens=opens, closes=closes, local_times=list(local.values()))
    rows = (last - first) // ROW_MINUTES
    links = links or Links()
    book = reverse("appointment_book")
    for column, day, appointments, params in columns:
        for appointment in appointments:
            start, end = local[appointment.pk]
            start_minute = start.hour * 60 + start.minute if start.date() == day else 0
            end_minute = end.hour * 60 + end.minute if end.date() == day else 24 * 60
            row = _row(start_minute, first)
            span = max(1, -(-(end_minute - max(start_minute, first)) // ROW_MINUTES))
            column.blocks.append(
                Block(appointment=appointment, row=row, span=min(span, rows), start=start, end=end)
            )
        slots = slots_html(
            column=column, day=day, params=params, zone=zone, now=now, first=first,
            opens=opens, closes=closes, last=last, book=book,
        )  # fmt: skip
        blocks = "".join(
            block_html(block, now=now, links=links, show_location=show_location)
            for block in column.blocks
        )
        column.body = SafeString(slots + blocks)  # nosec B703 - values escaped as they go in
    hours = [(_row(m, first), f"{m // 60:02d}:00") for m in range(first, last, 60)]
    return Grid(columns=[c for c, _, _, _ in columns], hours=hours, rows=rows)


# The markup of the slots and blocks is made here rather than in the template: a
# day has a few hundred slots and up to a few hundred appointments, and the
# template loops were most of the day view's time (docs/benchmarks.md). Every
# value from the database goes through escape().


def slots_html(
    *,
    column: Column,
    day: datetime.date,
    params: dict,
    zone: ZoneInfo,
    now: datetime.datetime,
    first: int,
    opens: datetime.time,
    closes: datetime.time,
    last: int,
    book: str,
) -> str:
    """The column's free times: a link to book each one still to come, a grey
    box for each one past."""
    span = SLOT_MINUTES // ROW_MINUTES
    prefix = escape(f"{book}?{urlencode({**params, 'day': day.isoformat()})}&start=")
    injector = params.get("injector")
    injector = "" if injector is None else escape(injector)
    title = escape(column.title)
    closing = closes.hour * 60 + closes.minute
    iso_day = day.isoformat()
    ahead = False  # slots come in time order: once one is ahead of now, all that follow are
    out = []
    for minute in range(opens.hour * 60 + opens.minute, last, SLOT_MINUTES):
        if minute + SLOT_MINUTES > closing:
            break
        label = f"{minute // 60:02d}:{minute % 60:02d}"
        on_hour = " on-hour" if minute % 60 == 0 else ""
        classes = f"sched-slot r{_row(minute, first)} s{span}{on_hour}"
        ahead = ahead or (
            datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), zone) > now
        )
        if ahead:
            out.append(
                f'<a class="{classes}" href="{prefix}{label}" data-day="{iso_day}" '
                f'data-start="{label}" data-injector="{injector}" '
                f'aria-label="Book {title} at {label}">{label}</a>'
            )
        else:
            out.append(f'<div class="{classes} past"></div>')
    return "".join(out)


def block_html(block: Block, *, now: datetime.datetime, links: Links, show_location: bool) -> str:
    """An appointment: who, when, what; a booking still to come can be dragged."""
    a = block.appointment
    short = " short" if block.span <= 3 else ""
    drag = ""
    if a.status == Appointment.Status.BOOKED and a.starts_at > now:
        move = links("appointment_reschedule", a.pk)
        drag = f' draggable="true"\n         data-reschedule-url="{move}"'
    where = f" · {escape(a.location.name)}" if show_location else ""
    badge = ""
    if a.status != Appointment.Status.BOOKED:
        status = escape(STATUSES.get(a.status, a.status))
        badge = f'<span class="badge text-bg-light border">{status}</span>'
    return (
        f'<a class="appt kind-{escape(a.kind)} status-{escape(a.status)} r{block.row} '
        f's{block.span}{short}" href="{links("appointment_detail", a.pk)}"\n'
        f'         data-testid="appointment-{a.pk}"{drag}>\n'
        f'        <span class="who">{escape(a.patient.first_name)} '
        f"{escape(a.patient.last_name)}</span>\n"
        f'        <span class="meta d-block">{block.start:%H:%M}–{block.end:%H:%M} · '
        f"{escape(KINDS.get(a.kind, a.kind))}{where}</span>\n"
        f"        {badge}\n"
        f"      </a>"
    )


def _row(minute: int, first: int) -> int:
    return max(1, min(MAX_ROWS, (minute - first) // ROW_MINUTES + 1))
