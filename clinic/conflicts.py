"""Double bookings and impossible times: the checks every booking passes.

``clash_messages`` names each appointment that already holds the injector's,
the patient's or the room's time (the injector's and the room's with each
appointment's turnover, ``clinic.buffers``). On PostgreSQL the exclusion
constraints of migrations 0004 and 0011 back it up; ``save_without_overlap``
turns their violation into the same message. The errors carry a message for the person at the desk.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from .errors import BookingConflict, SchedulingError
from .input_bounds import date_in_window
from .models import LONGEST, Appointment, Patient, Room, User
from .roles import Role

EXCLUSION_VIOLATION = "23P01"  # PostgreSQL: an exclusion constraint refused the row
PAST_GRACE = datetime.timedelta(minutes=5)


def clash_messages(
    *,
    injector: User,
    patient: Patient,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    blocked_until: datetime.datetime | None = None,
    room: Room | None = None,
    exclude_id: int | None = None,
) -> list[str]:
    """One sentence per appointment that holds the injector's, the patient's or the
    room's time (one query). The injector and the room are held until each
    appointment's ``blocked_until`` (its turnover, ``clinic.buffers``), the new one's
    included; the patient only until the end."""
    blocked_until = blocked_until or ends_at
    who = Q(injector=injector) | Q(patient=patient)
    if room is not None:
        who |= Q(room=room)
    clashes = (
        Appointment.objects.holding_time()
        .blocking(starts_at, blocked_until)
        .filter(who)
        .for_pages()
    )
    if exclude_id:
        clashes = clashes.exclude(pk=exclude_id)
    messages = []
    for other in clashes:
        blocks = other.starts_at < blocked_until and other.blocked_until > starts_at
        if other.injector_id == injector.pk and blocks:
            messages.append(
                f"{other.injector.get_full_name()} is already booked {held(other)} with "
                f"{other.patient.full_name} ({other.get_kind_display()}, {other.location.name})."
            )
        if (
            other.patient_id == patient.pk
            and other.starts_at < ends_at
            and other.ends_at > starts_at
        ):
            when = f"{other.local_start:%b %-d %H:%M}–{other.local_end:%H:%M}"
            messages.append(
                f"{other.patient.full_name} already has an appointment {when} with "
                f"{other.injector.get_full_name()} ({other.get_kind_display()}, "
                f"{other.location.name})."
            )
        if room is not None and other.room_id == room.pk and blocks:
            messages.append(room_taken(room, other))
    return messages


def held(other: Appointment) -> str:
    """When ``other`` holds its injector and room: "Dec 4 10:00–10:45", and its
    turnover when it has one."""
    when = f"{other.local_start:%b %-d %H:%M}–{other.local_end:%H:%M}"
    if other.blocked_until > other.ends_at:
        when += f" (and turnover until {other.local(other.blocked_until):%H:%M})"
    return when


def room_taken(room: Room, other: Appointment) -> str:
    """The desk's sentence for a room held by ``other``: names, times and the kind only."""
    return (
        f"{room.name} is taken {held(other)} by {other.patient.full_name} "
        f"({other.get_kind_display()} with {other.injector.get_full_name()})."
    )


def clashes_of(appointment: Appointment, *, with_room: bool = True) -> list[str]:
    """What ``appointment`` (kept where it is) would clash with, as messages."""
    return clash_messages(
        injector=appointment.injector,
        patient=appointment.patient,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        blocked_until=appointment.blocked_until,
        room=appointment.room if with_room else None,
        exclude_id=appointment.pk,
    )


def default_end(*, kind: str, starts_at: datetime.datetime) -> datetime.datetime:
    return starts_at + datetime.timedelta(minutes=Appointment.DEFAULT_MINUTES[kind])


BOOK_AHEAD_DAYS = 2 * 366  # no appointment further ahead than two years


def check_times(
    *, starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime
) -> None:
    if ends_at <= starts_at:
        raise SchedulingError("The end is before the start.", field="ends")
    if starts_at < now - PAST_GRACE:
        raise SchedulingError("That time has passed: choose a time from now on.", field="starts")
    if ends_at - starts_at > LONGEST:
        raise SchedulingError("An appointment lasts at most 8 hours.", field="ends")
    try:  # the past is refused above; ahead, the book holds two years
        date_in_window(
            starts_at.date(),
            back_days=BOOK_AHEAD_DAYS,
            ahead_days=BOOK_AHEAD_DAYS,
            today=now.date(),
        )
    except ValidationError as exc:
        raise SchedulingError(exc.messages[0], field="starts") from None


def check_injector(injector: User) -> None:
    if not injector.is_active or Role.INJECTOR not in injector.roles:
        raise SchedulingError(f"{injector} is not an active injector.", field="injector")


def save_without_overlap(appointment: Appointment) -> None:
    """Save, turning PostgreSQL's exclusion violation into the clash message."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        messages = clashes_of(appointment)
        raise BookingConflict(
            " ".join(messages) or "Someone booked this time a moment ago; choose another."
        ) from exc
