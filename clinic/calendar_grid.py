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
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .appointments import Appointment
from .slots import SLOT_MINUTES

ROW_MINUTES = 5
MAX_ROWS = 288  # a whole day; schedule.css defines r1..r288 and s1..s288


@dataclass
class Block:
    appointment: Appointment
    row: int
    span: int
    start: datetime.datetime
    end: datetime.datetime


@dataclass
class Slot:
    row: int
    span: int
    label: str
    book_url: str  # empty when the slot has passed
    on_hour: bool = False
    day: str = ""
    injector: int | None = None
    title: str = ""  # the column's title, for the slot's label

    def html(self) -> SafeString:
        """The slot's markup, made here rather than in the template: a day has a few
        hundred slots and the template loop was most of the day view's time
        (docs/benchmarks.md)."""
        classes = f"sched-slot r{self.row} s{self.span}{' on-hour' if self.on_hour else ''}"
        if not self.book_url:
            return format_html('<div class="{} past"></div>', classes)
        return format_html(
            '<a class="{}" href="{}" data-day="{}" data-start="{}" data-injector="{}" '
            'aria-label="Book {} at {}">{}</a>',
            classes, self.book_url, self.day, self.label,
            "" if self.injector is None else self.injector,
            self.title, self.label, self.label,
        )  # fmt: skip


@dataclass
class Column:
    key: str
    title: str
    subtitle: str = ""
    link: str = ""
    is_today: bool = False
    blocks: list[Block] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


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
) -> Grid:
    """``columns``: (column, its day, its appointments, booking parameters)."""
    local = {
        a.pk: (a.starts_at.astimezone(zone), a.ends_at.astimezone(zone))
        for _, _, appointments, _ in columns
        for a in appointments
    }
    first, last = grid_bounds(opens=opens, closes=closes, local_times=list(local.values()))
    rows = (last - first) // ROW_MINUTES
    book = reverse("appointment_book")
    for column, day, appointments, params in columns:
        prefix = f"{book}?{urlencode({**params, 'day': day.isoformat()})}&start="
        for minute in range(opens.hour * 60 + opens.minute, last, SLOT_MINUTES):
            if minute + SLOT_MINUTES > closes.hour * 60 + closes.minute:
                break
            at = datetime.time(minute // 60, minute % 60)
            starts = datetime.datetime.combine(day, at).replace(tzinfo=zone)
            column.slots.append(
                Slot(
                    row=_row(minute, first),
                    span=SLOT_MINUTES // ROW_MINUTES,
                    label=f"{at:%H:%M}",
                    book_url=f"{prefix}{at:%H:%M}" if starts > now else "",
                    on_hour=minute % 60 == 0,
                    day=day.isoformat(),
                    injector=params.get("injector"),
                    title=column.title,
                )
            )
        for appointment in appointments:
            start, end = local[appointment.pk]
            start_minute = start.hour * 60 + start.minute if start.date() == day else 0
            end_minute = end.hour * 60 + end.minute if end.date() == day else 24 * 60
            row = _row(start_minute, first)
            span = max(1, -(-(end_minute - max(start_minute, first)) // ROW_MINUTES))
            column.blocks.append(
                Block(appointment=appointment, row=row, span=min(span, rows), start=start, end=end)
            )
    hours = [(_row(m, first), f"{m // 60:02d}:00") for m in range(first, last, 60)]
    return Grid(columns=[c for c, _, _, _ in columns], hours=hours, rows=rows)


def _row(minute: int, first: int) -> int:
    return max(1, min(MAX_ROWS, (minute - first) // ROW_MINUTES + 1))
