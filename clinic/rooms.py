"""Treatment rooms: which appointments take one, and which one (issue 19, "Rooms").

The kinds in settings ``ROOM_KINDS`` (treatment and touch-up by default) take a
room at a location that has rooms; the other kinds (consultation, review) take
one only when the desk picks it. A location without rooms books without them.
``choose_room`` is the one rule: the desk's choice, else the room the booking
already holds (moving it, putting it back), else the first free room of the
location in its order. Booking, moving, the Django admin's form, the two-week
review's booking (through ``clinic.scheduling``) and a status change that puts an
appointment back all ask it; PostgreSQL's exclusion constraint of migration 0011
refuses two appointments in one room at once (turnover included) for two desks
at the same moment.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from .conflicts import room_taken
from .errors import BookingConflict, SchedulingError
from .models import Appointment, Location, Room


class NoFreeRoom(BookingConflict):
    """Every room of the location is taken at that time."""


def needs_room(kind: str) -> bool:
    return kind in settings.ROOM_KINDS


def choose_room(
    *,
    location: Location,
    kind: str,
    starts_at: datetime.datetime,
    blocked_until: datetime.datetime,
    room: Room | None = None,
    keep: Room | None = None,
    exclude_id: int | None = None,
) -> Room | None:
    """The room a booking at ``location`` from ``starts_at`` to ``blocked_until``
    (its turnover included) takes, or None (two queries: the rooms, their bookings).

    ``room``: the desk's choice, refused when it is another location's, out of use
    or taken (naming who holds it). ``keep``: the room the appointment holds, kept
    while it is free. Else, for a kind that needs a room, the first free room; none
    free is refused, naming when each room is taken."""
    if room is not None:
        if room.location_id != location.pk:
            raise SchedulingError(f"{room.name} is not at {location.name}.", field="room")
        if not room.is_active and room != keep:
            raise SchedulingError(f"{room.name} is out of use: choose another.", field="room")
    rooms = [room] if room is not None else list(Room.objects.filter(location=location).active())
    if room is None and keep is not None and keep.location_id == location.pk:
        rooms = [keep, *(r for r in rooms if r != keep)]  # its own room first
    if room is None and (not rooms or (keep is None and not needs_room(kind))):
        return None
    holders = (
        Appointment.objects.holding_time()
        .blocking(starts_at, blocked_until)
        .filter(room__in=rooms)
        .for_pages()
        .order_by("starts_at")
    )
    if exclude_id:
        holders = holders.exclude(pk=exclude_id)
    taken: dict[int, list[Appointment]] = {}
    for other in holders:
        taken.setdefault(other.room_id, []).append(other)
    free = next((r for r in rooms if r.pk not in taken), None)
    if free is not None:
        return free
    if room is not None:
        raise BookingConflict(" ".join(room_taken(room, o) for o in taken[room.pk]), field="room")
    zone = ZoneInfo(location.time_zone)
    wanted = f"{starts_at.astimezone(zone):%b %-d %H:%M}–{blocked_until.astimezone(zone):%H:%M}"
    raise NoFreeRoom(
        f"No room is free at {location.name} {wanted}: "
        + " ".join(room_taken(r, o) for r in rooms for o in taken[r.pk]),
        field="room",
    )
