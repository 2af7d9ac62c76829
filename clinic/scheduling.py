"""The rules of the appointment book.

Booking, rescheduling, cancelling and status changes of appointments; the
two-week reviews that fall due when a treatment is signed. Every function takes
keyword-only typed arguments and raises ``SchedulingError`` (with a message for
the person at the desk) instead of saving something half right.

Called by the clinic's own views and, for reviews, by the charting app:

    book_review(patient=..., injector=..., location=..., treated_at=..., days=14, by=...)
    record_review_done(patient=..., treated_at=..., by=...)
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .appointments import HOLDS_TIME, Appointment, DueReview
from .conflicts import (
    BookingConflict,
    NoFreeSlot,
    SchedulingError,
    check_injector,
    check_times,
    clash_messages,
    default_end,
    save_without_overlap,
)
from .models import Location, Patient, User
from .slots import find_free_slot, local_today, zone_of

__all__ = [
    "BookingConflict",
    "NoFreeSlot",
    "SchedulingError",
    "TRANSITIONS",
    "book_appointment",
    "book_due_review",
    "book_review",
    "change_status",
    "clash_messages",
    "dismiss_due_review",
    "record_review_done",
    "reschedule_appointment",
]

Status = Appointment.Status
REVIEW_DAYS = range(10, 22)  # a review is booked 10 to 21 days after the treatment
REVIEW_SEARCH_DAYS = 28  # look for a free review slot up to this many days after treatment


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
    due_review: DueReview | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book an appointment, refusing double bookings of injector or patient.

    Outside opening hours is allowed (the form warns and asks first). A review
    booked for a patient with an open due review is linked to it.
    """
    ends_at = ends_at or default_end(kind=kind, starts_at=starts_at)
    check_times(starts_at=starts_at, ends_at=ends_at, now=now or timezone.now())
    check_injector(injector)
    if not patient.is_active:
        raise SchedulingError("This patient's record is inactive.", field="patient")
    clashes = clash_messages(
        injector=injector, patient=patient, starts_at=starts_at, ends_at=ends_at
    )
    if clashes:
        raise BookingConflict(" ".join(clashes))
    appointment = Appointment(
        patient=patient,
        kind=kind,
        location=location,
        injector=injector,
        starts_at=starts_at,
        ends_at=ends_at,
        desk_note=desk_note,
        created_by=by,
    )
    appointment.full_clean(validate_constraints=False)
    save_without_overlap(appointment)
    if kind == Appointment.Kind.REVIEW:
        due_review = due_review or patient.due_reviews.needing_booking().order_by("due_on").first()
        if due_review is not None:
            due_review.status = DueReview.Status.BOOKED
            due_review.appointment = appointment
            due_review.save(update_fields=["status", "appointment"])
    return appointment


@transaction.atomic
def reschedule_appointment(
    *,
    appointment: Appointment,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    injector: User | None = None,
    by: User,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move a booked appointment (same length unless an end is given)."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
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
    check_times(starts_at=starts_at, ends_at=ends_at, now=now or timezone.now())
    check_injector(injector)
    clashes = clash_messages(
        injector=injector,
        patient=appointment.patient,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_id=appointment.pk,
    )
    if clashes:
        raise BookingConflict(" ".join(clashes))
    appointment.starts_at, appointment.ends_at, appointment.injector = starts_at, ends_at, injector
    appointment.reminder_sent_at = None  # a new time deserves a new reminder
    save_without_overlap(appointment)
    return appointment


@transaction.atomic
def change_status(*, appointment: Appointment, to: str, by: User, reason: str = "") -> Appointment:
    """Arrived, no-show, in treatment, completed, cancelled (with a reason), or back."""
    appointment = (
        Appointment.objects.select_for_update().select_related("location").get(pk=appointment.pk)
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
    if to == Status.NO_SHOW and appointment.starts_at > timezone.now():
        raise SchedulingError(
            f"Not yet: the appointment starts at {appointment.local_start:%H:%M}.", field=None
        )
    if not appointment.holds_time and to in HOLDS_TIME:  # a no-show put back
        clashes = clash_messages(
            injector=appointment.injector,
            patient=appointment.patient,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            exclude_id=appointment.pk,
        )
        if clashes:
            raise BookingConflict(" ".join(clashes))
    appointment.status = to
    try:
        with transaction.atomic():
            appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    except IntegrityError as exc:  # back to booked over a slot taken meanwhile
        raise BookingConflict("That time has been given to someone else meanwhile.") from exc
    _follow_review(appointment=appointment, by=by)
    return appointment


def _follow_review(*, appointment: Appointment, by: User) -> None:
    """Keep the due review in step with its appointment."""
    if appointment.kind != Appointment.Kind.REVIEW:
        return
    due = DueReview.objects.filter(appointment=appointment).first()
    if due is None:
        return
    if appointment.status == Status.COMPLETED:
        _close(due, status=DueReview.Status.DONE, by=by)
    elif appointment.status in (Status.CANCELLED, Status.NO_SHOW):
        # Missed or cancelled: back on the list until booked, done or dismissed.
        due.status = DueReview.Status.OPEN
        due.save(update_fields=["status"])
    elif due.status == DueReview.Status.OPEN:
        due.status = DueReview.Status.BOOKED
        due.save(update_fields=["status"])


def _close(due: DueReview, *, status: str, by: User | None, reason: str = "") -> None:
    due.status, due.dismissed_reason = status, reason
    due.closed_by, due.closed_at = by, timezone.now()
    due.save(update_fields=["status", "dismissed_reason", "closed_by", "closed_at"])


# --- Two-week reviews ------------------------------------------------------------


def book_review(
    *,
    patient: Patient,
    injector: User,
    location: Location,
    treated_at: datetime.datetime,
    days: int = 14,
    by: User,
) -> Appointment:
    """Record that a review is due for this treatment and book it.

    Called by charting when an injector signs a treatment. The review is on
    day ``days`` (10–21) after ``treated_at``, with the same injector at the
    same location, at the free quarter hour nearest the treatment's time of
    day; else the nearest free slot on the following days. Calling it again
    for the same treatment returns the review already booked.

    Raises ``NoFreeSlot`` when nothing is free within 28 days: the due review
    is then recorded (open) and shows on the reviews-due list, so a caller may
    catch it and go on. (Deliberately not one atomic block: the due review
    must outlive a failed booking, which rolls back its own savepoint.)
    """
    if days not in REVIEW_DAYS:
        raise SchedulingError("The review is booked 10 to 21 days after the treatment.")
    if timezone.is_naive(treated_at):
        raise ValueError("treated_at must be an aware datetime.")
    treated_day = treated_at.astimezone(zone_of(location)).date()
    due, created = DueReview.objects.get_or_create(
        patient=patient,
        treated_at=treated_at,
        defaults={
            "injector": injector,
            "location": location,
            "due_on": treated_day + datetime.timedelta(days=days),
            "overdue_after": treated_day + datetime.timedelta(days=DueReview.OVERDUE_AFTER_DAYS),
            "created_by": by,
        },
    )
    if not created and due.status == DueReview.Status.BOOKED and due.appointment_id:
        return due.appointment
    if due.status in (DueReview.Status.DONE, DueReview.Status.DISMISSED):
        raise SchedulingError("The review of this treatment is already closed.")
    return book_due_review(due=due, by=by, time_of_day=treated_at)


@transaction.atomic
def book_due_review(
    *,
    due: DueReview,
    by: User,
    time_of_day: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book an open due review at the first suitable free slot (one click)."""
    due = DueReview.objects.select_for_update().select_related("location").get(pk=due.pk)
    if due.status != DueReview.Status.OPEN:
        raise SchedulingError(f"This review is already {due.get_status_display().lower()}.")
    location, now = due.location, now or timezone.now()
    zone = zone_of(location)
    day = max(due.due_on, local_today(location, now))
    wanted = (time_of_day or due.treated_at).astimezone(zone).time()
    preferred = datetime.datetime.combine(day, wanted).replace(tzinfo=zone)
    treated_day = due.treated_at.astimezone(zone).date()
    last_day = max(treated_day + datetime.timedelta(days=REVIEW_SEARCH_DAYS), day)
    minutes = Appointment.DEFAULT_MINUTES[Appointment.Kind.REVIEW]
    start = find_free_slot(
        injector=due.injector,
        patient=due.patient,
        location=location,
        minutes=minutes,
        preferred=preferred,
        earliest=now,
        last_day=last_day,
    )
    if start is None:
        raise NoFreeSlot(
            f"{due.injector.get_full_name()} has no free time at {location.name} until "
            f"{last_day:%b %-d}; the review stays on the reviews-due list."
        )
    return book_appointment(
        patient=due.patient,
        kind=Appointment.Kind.REVIEW,
        location=location,
        injector=due.injector,
        starts_at=start,
        by=by,
        due_review=due,
        now=now,
    )


@transaction.atomic
def dismiss_due_review(*, due: DueReview, reason: str, by: User) -> DueReview:
    reason = " ".join(reason.split())
    if not reason:
        raise SchedulingError("Give a reason for taking this review off the list.", field="reason")
    if due.status in (DueReview.Status.DONE, DueReview.Status.DISMISSED):
        raise SchedulingError(f"This review is already {due.get_status_display().lower()}.")
    _close(due, status=DueReview.Status.DISMISSED, by=by, reason=reason)
    return due


@transaction.atomic
def record_review_done(
    *, patient: Patient, treated_at: datetime.datetime, by: User
) -> DueReview | None:
    """Hook for charting: the review of this treatment was charted and signed."""
    due = (
        DueReview.objects.select_for_update().filter(patient=patient, treated_at=treated_at).first()
    )
    if due is None or due.status == DueReview.Status.DONE:
        return due
    _close(due, status=DueReview.Status.DONE, by=by)
    return due
