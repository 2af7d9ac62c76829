"""Turnover: the minutes an appointment blocks after its end (cleaning the room,
the injector's notes), the clinic's default and per kind (settings
``BUFFER_MINUTES``, ``BUFFER_MINUTES_BY_KIND``).

The end of the blocked time is stored on the row (``Appointment.blocked_until``)
so PostgreSQL's exclusion constraints of the injector and the room use it
(migration 0011), and the clash checks, the free-slot search and the grids read
it. The patient's own clash does not include it: the patient is free at the end.
A booking keeps the buffer it was booked with; a new setting counts from the next
booking or move.
"""

from __future__ import annotations

import datetime

from django.conf import settings

# The most any buffer may be (settings refuse more): the clash queries' lower bound.
LONGEST_BUFFER = datetime.timedelta(minutes=120)


def buffer_for(kind: str) -> datetime.timedelta:
    minutes = settings.BUFFER_MINUTES_BY_KIND.get(kind, settings.BUFFER_MINUTES)
    return datetime.timedelta(minutes=minutes)


def blocked_until(*, kind: str, ends_at: datetime.datetime) -> datetime.datetime:
    """The end of the time an appointment of ``kind`` ending at ``ends_at`` blocks."""
    return ends_at + buffer_for(kind)
