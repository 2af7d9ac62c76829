"""The rules of the appointment book.

Booking, rescheduling, cancelling and status changes of appointments. Every
function takes keyword-only typed arguments and raises ``SchedulingError``
(with a message for the person at the desk) instead of saving something half
right. Called by the clinic's own views, the Django admin and, for the
two-week review, by charting (``charting.due_reviews``).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .buffers import blocked_until as turnover_end
from .conflicts import (
    check_injector,
    check_times,
    clash_messages,
    clashes_of,
    default_end,
    save_without_overlap,
)
from .errors import BookingConflict, SchedulingError
from .hours import check_open
from .models import HOLDS_TIME, Appointment, Location, Patient, Room, User
from .rooms import choose_room

Status = Appointment.Status


# What may follow what, and the message when it may not.
TRANSITIONS: dict[str, set[str]] = {
    Status.BOOKED: {Status.ARRIVED, Status.NO_SHOW, Status.CANCELLED, Status.IN_TREATMENT},
    Status.ARRIVED: {Status.IN_TREATMENT, Status.COMPLETED, Status.BOOKED, Status.CANCELLED},
    Status.IN_TREATMENT: {Status.COMPLETED, Status.ARRIVED},
    Status.NO_SHOW: {Status.BOOKED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}
REFUSALS = {
    Status.CANCELLED: "This appointment was cancelled; book a new one instead.",
    Status.COMPLETED: "This appointment is completed and can no longer change.",
}


def check_booking(
    *,
    patient: Patient,
    kind: str,
    location: Location,
    injector: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    room: Room | None = None,
    keep_room: Room | None = None,
    exclude_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Room | None:
    """The rules a time must pass to be booked (or moved to), without saving:
    a sane time from now on, an active injector and patient, a day the location
    is open and the injector works (``clinic.hours``), no clash of the injector
    or the patient (with the kind's turnover for the injector, ``clinic.buffers``),
    and a room for a kind that needs one (``clinic.rooms``: ``room`` the desk's
    choice, ``keep_room`` the one the booking holds). Returns the room. Booking,
    moving and the Django admin's form all ask this; the database's exclusion
    constraints stay the last word for two desks at once."""
    check_times(starts_at=starts_at, ends_at=ends_at, now=now or timezone.now())
    check_injector(injector)
    if not patient.is_active:
        raise SchedulingError("This patient's record is inactive.", field="patient")
    check_open(location=location, injector=injector, starts_at=starts_at, ends_at=ends_at)
    blocked_until = turnover_end(kind=kind, ends_at=ends_at)
    clashes = clash_messages(
        injector=injector,
        patient=patient,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=blocked_until,
        exclude_id=exclude_id,
    )
    if clashes:
        raise BookingConflict(" ".join(clashes))
    return choose_room(
        location=location,
        kind=kind,
        starts_at=starts_at,
        blocked_until=blocked_until,
        room=room,
        keep=keep_room,
        exclude_id=exclude_id,
    )


@transaction.atomic
def book_appointment(
    *,
    patient: Patient,
    kind: str,
    location: Location,
    injector: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    by: User | None,
    desk_note: str = "",
    room: Room | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book an appointment, refusing double bookings of injector, patient or room;
    a kind that needs a room takes ``room`` (the desk's choice) or the first free one.

    Outside opening hours is allowed (the form warns and asks first).
    """
    ends_at = ends_at or default_end(kind=kind, starts_at=starts_at)
    room = check_booking(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        now=now,
    )
    appointment = Appointment(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=turnover_end(kind=kind, ends_at=ends_at),
        desk_note=desk_note,
        created_by=by,
    )
    appointment.full_clean(validate_constraints=False)
    save_without_overlap(appointment)
    return appointment


@transaction.atomic
def reschedule_appointment(
    *,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    injector: User | None = None,
    room: Room | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move a booked appointment (same length unless an end is given); it keeps its
    room while that is free, else takes ``room`` or the first free one."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("room")
        .get(pk=appointment.pk)
    )
    if appointment.status != Status.BOOKED:
        raise SchedulingError(
            REFUSALS.get(
                appointment.status,
                f"Only a booked appointment can be moved; this one is "
                f"{appointment.get_status_display().lower()}.",
            )
        )
    ends_at = ends_at or starts_at + (appointment.ends_at - appointment.starts_at)
    injector = injector or appointment.injector
    appointment.room = check_booking(
        patient=appointment.patient,
        kind=appointment.kind,
        location=appointment.location,
        injector=injector,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        keep_room=appointment.room,
        exclude_id=appointment.pk,
        now=now,
    )
    appointment.starts_at, appointment.ends_at, appointment.injector = starts_at, ends_at, injector
    appointment.blocked_until = turnover_end(kind=appointment.kind, ends_at=ends_at)
    appointment.reminder_sent_at = None  # a new time deserves a new reminder
    save_without_overlap(appointment)
    return appointment


def on_the_day(appointment: Appointment, now: datetime.datetime | None = None) -> bool:
    return appointment.local_start.date() == appointment.local(now or timezone.now()).date()


def check_on_the_day(appointment: Appointment, now: datetime.datetime | None = None) -> None:
    """A patient arrives (or starts a visit) on the appointment's own day, in the
    location's time zone; a week ahead or last month is a slip of the finger."""
    if not on_the_day(appointment, now):
        day = appointment.local_start.date()
        raise SchedulingError(
            f"This appointment is on {day:%a %b %-d}: a patient is marked arrived on the day."
        )


@transaction.atomic
def change_status(
    *,
    appointment: Appointment,
    to: str,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """Arrived, no-show, in treatment, completed, cancelled (with a reason), or back."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("location", "room")
        .get(pk=appointment.pk)
    )
    current = appointment.status
    if to == current:
        return appointment
    if to not in TRANSITIONS[current]:
        raise SchedulingError(
            REFUSALS.get(
                current,
                f"A {Status(current).label.lower()} appointment cannot be marked "
                f"{Status(to).label.lower()}.",
            )
        )
    if to == Status.CANCELLED:
        reason = " ".join(reason.split())
        if not reason:
            raise SchedulingError("Give a reason for the cancellation.", field="reason")
        appointment.cancel_reason = reason
    if current == Status.BOOKED and to in (Status.ARRIVED, Status.IN_TREATMENT):
        check_on_the_day(appointment, now)
    if to == Status.NO_SHOW and appointment.starts_at > timezone.now():
        raise SchedulingError(
            f"Not yet: the appointment starts at {appointment.local_start:%H:%M}.", field=None
        )
    if not appointment.holds_time and to in HOLDS_TIME:  # a no-show put back
        clashes = clashes_of(appointment, with_room=False)
        if clashes:
            raise BookingConflict(" ".join(clashes))
        # Its room again while free, else another (clinic.rooms).
        appointment.room = choose_room(
            location=appointment.location,
            kind=appointment.kind,
            starts_at=appointment.starts_at,
            blocked_until=appointment.blocked_until,
            keep=appointment.room,
            exclude_id=appointment.pk,
        )
    appointment.status = to
    try:
        with transaction.atomic():
            appointment.save(update_fields=["status", "cancel_reason", "room", "updated_at"])
    except IntegrityError as exc:  # back to booked over a slot taken meanwhile
        raise BookingConflict("That time has been given to someone else meanwhile.") from exc
    return appointment
