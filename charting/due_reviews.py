"""The two-week review that signing a treatment makes due, on the front desk's list.

``book_review`` is called by ``charting.signing`` when a treatment is signed: it
records the due review (day ``days``, overdue after day 21) and books the
review through the clinic's appointment book with the same injector at the same
location, at the free quarter hour nearest the treatment's time of day, else on
the following days (up to day 28): a day the location is closed or the injector
away, and times outside their working hours or in a break, are skipped
(``clinic.hours``). When the injector has nothing free, another injector who works
at that location takes the earliest free time (also when the injector's first
free time is past day 21 and another's is earlier); when nobody has, the due review
stays on the list (``NoFreeSlot``). The desk books one from the free times of
``review_times`` (the due day's, today's first only once the review is due, one tap
for the suggested time: ``book_due_review``) or through the booking form, dismisses
one with a reason; signing the review closes it (``record_review_done``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic.access import injectors
from clinic.errors import BookingConflict, NoFreeSlot, SchedulingError
from clinic.models import Appointment, User
from clinic.roles import Role
from clinic.scheduling import book_appointment
from clinic.slots import FreeDay, free_days, is_slot_start, local_today, zone_of
from planning.choices import VisitKind

from .models import DueReview, Treatment
from .models.due_reviews import DueReviewState
from .review_timing import (
    DEFAULT_REVIEW_DAYS,
    REVIEW_DAYS,
    first_booking_day,
    window_opens_at,
)

REVIEW_SEARCH_DAYS = 28  # look for a free review slot up to this many days after treatment


def record_due_review(*, treatment: Treatment, days: int, by: User) -> DueReview:
    """The due review of a signed treatment (once per treatment: again returns it)."""
    if days not in REVIEW_DAYS:
        raise SchedulingError("The review is booked 10 to 21 days after the treatment.")
    visit = treatment.visit
    treated_day = treatment.started_at.astimezone(zone_of(visit.location)).date()
    due, _ = DueReview.objects.get_or_create(
        treatment=treatment,
        defaults={
            "treated_at": treatment.started_at,
            "review_from": window_opens_at(
                treated_at=treatment.started_at, location=visit.location
            ),
            "cycle_ends_at": _next_treatment_start(treatment),
            "patient_id": visit.patient_id,
            "injector": visit.injector if visit.injector.has_role(Role.INJECTOR) else by,
            "location_id": visit.location_id,
            "due_on": treated_day + datetime.timedelta(days=days),
            "overdue_after": treated_day + datetime.timedelta(days=DueReview.OVERDUE_AFTER_DAYS),
            "created_by": by,
        },
    )
    return due


def _next_treatment_start(treatment: Treatment):
    """The start of the patient's next signed treatment after this one (None: none yet)."""
    return (
        Treatment.objects.signed()
        .filter(
            visit__patient_id=treatment.visit.patient_id,
            visit__kind=VisitKind.TREATMENT,
            started_at__gt=treatment.started_at,
        )
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def end_earlier_cycles(*, treatment: Treatment) -> None:
    """A treatment was signed: the patient's earlier cycles end where it starts (their
    later review appointments are this one's). Called by ``signing.seal`` for the
    treatment of a treatment visit (a touch-up belongs to its cycle)."""
    DueReview.objects.filter(
        patient_id=treatment.visit.patient_id, treated_at__lt=treatment.started_at
    ).filter(Q(cycle_ends_at__isnull=True) | Q(cycle_ends_at__gt=treatment.started_at)).update(
        cycle_ends_at=treatment.started_at
    )


def book_review(
    *,
    treatment: Treatment,
    days: int = DEFAULT_REVIEW_DAYS,
    by: User,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Record the due review of ``treatment`` and book it (see the module's text).

    Calling it again returns the review already booked. Raises ``NoFreeSlot`` after
    recording the due review when nothing is free (deliberately not one atomic
    block: the due review must outlive a failed booking, which rolls back its own
    savepoint)."""
    due = record_due_review(treatment=treatment, days=days, by=by)
    due = DueReview.objects.for_pages().get(pk=due.pk)
    if due.state == DueReviewState.BOOKED:
        return Appointment.objects.get(pk=due.booked_id)
    return book_due_review(due=due, by=by, now=now, any_injector=True)


DAYS_OFFERED = 3  # the choice of times shows this many days with free time
SEARCH_AHEAD_DAYS = 14  # a review past day 28 still looks this far ahead


@dataclass(frozen=True)
class ReviewTimes:
    """The free times booking a due review offers: from ``first_day`` (today once the
    review is due, else its due day, ``review_timing.first_booking_day``), each day's
    nearest the treatment's time of day first; closed days say why."""

    first_day: datetime.date
    last_day: datetime.date
    days: list[FreeDay]

    @property
    def suggested(self) -> datetime.datetime | None:
        """The one-tap time: the first day's time nearest the treatment's time."""
        return next((day.starts[0] for day in self.days if day.starts), None)


def review_times(
    *,
    due: DueReview,
    now: datetime.datetime | None = None,
    days: int = DAYS_OFFERED,
    injector: User | None = None,
) -> ReviewTimes:
    """The due review's injector's (or ``injector``'s) free times at its location
    (five queries)."""
    location, now = due.location, now or timezone.now()
    zone = zone_of(location)
    first_day = first_booking_day(
        due_on=due.due_on,
        window_opens_on=due.review_from.astimezone(zone).date(),
        today=local_today(location, now),
    )
    treated_day = due.treated_at.astimezone(zone).date()
    last_day = max(
        treated_day + datetime.timedelta(days=REVIEW_SEARCH_DAYS),
        first_day + datetime.timedelta(days=SEARCH_AHEAD_DAYS),
    )
    wanted = due.treated_at.astimezone(zone).time()
    found = free_days(
        injector=injector or due.injector,
        patient=due.patient,
        location=location,
        minutes=Appointment.DEFAULT_MINUTES[Appointment.Kind.REVIEW],
        kind=Appointment.Kind.REVIEW,  # its turnover, and a room if reviews take one
        preferred=datetime.datetime.combine(first_day, wanted).replace(tzinfo=zone),
        earliest=now,
        last_day=last_day,
        days_with_time=days,
    )
    return ReviewTimes(first_day=first_day, last_day=last_day, days=found)


def _check_chosen(*, due: DueReview, times: ReviewTimes, starts_at: datetime.datetime) -> None:
    """A chosen time is a quarter hour of the location's hours on an offered day (the
    booking rule then checks that it is free, open and not past)."""
    location = due.location
    day = starts_at.astimezone(zone_of(location)).date()
    minutes = Appointment.DEFAULT_MINUTES[Appointment.Kind.REVIEW]
    if not times.first_day <= day <= times.last_day or not is_slot_start(
        location=location, start=starts_at, minutes=minutes, injector=due.injector
    ):
        raise SchedulingError(
            f"Choose one of the times offered: this review is booked at {location.name} "
            f"between {times.first_day:%a %b %-d} and {times.last_day:%a %b %-d}, on the "
            "quarter hour within opening hours and the injector's working hours.",
            field="starts",
        )


@transaction.atomic
def book_due_review(
    *,
    due: DueReview,
    by: User,
    now: datetime.datetime | None = None,
    starts_at: datetime.datetime | None = None,
    any_injector: bool = False,
) -> Appointment:
    """Book a due review that needs booking at ``starts_at`` (a time the desk chose
    from ``review_times``), else at the suggested time (one tap, and signing).
    ``any_injector`` (signing): when the review's injector has nothing free before
    the review falls overdue (day 21), the earliest free time of another injector
    who works at its location, if it is earlier.

    Two clicks at once (a double submit, a second tab) book one review: the row is
    locked first and its state read afterwards, in a statement of its own, so the
    second one sees the review the first one booked. A chosen time taken meanwhile
    is refused with the clash (``BookingConflict``)."""
    DueReview.objects.select_for_update().filter(pk=due.pk).values_list("pk").get()
    due = DueReview.objects.for_pages().get(pk=due.pk)
    if due.state != DueReviewState.OPEN:
        raise SchedulingError(f"This review is already {due.get_state_display().lower()}.")
    location, now = due.location, now or timezone.now()
    times = review_times(due=due, now=now, days=1)
    injector = due.injector
    if starts_at is None:
        starts_at = times.suggested
        if any_injector and (starts_at is None or _overdue_at(due, starts_at)):
            other, earlier = _another_injector(due=due, now=now)
            if earlier is not None and (starts_at is None or earlier < starts_at):
                injector, starts_at = other, earlier
        if starts_at is None:
            raise NoFreeSlot(
                f"{due.injector.get_full_name()} has no free time at {location.name} until "
                f"{times.last_day:%b %-d}; the review stays on the reviews-due list."
            )
    else:
        _check_chosen(due=due, times=times, starts_at=starts_at)
    try:
        return book_appointment(
            patient=due.patient,
            kind=Appointment.Kind.REVIEW,
            location=location,
            injector=injector,
            starts_at=starts_at,
            by=by,
            now=now,
        )
    except BookingConflict as clash:
        when = starts_at.astimezone(zone_of(location))
        raise BookingConflict(
            f"{when:%a %b %-d} at {when:%H:%M} is no longer free: {clash} Choose another time."
        ) from clash


def _overdue_at(due: DueReview, starts_at: datetime.datetime) -> bool:
    """Whether a review at ``starts_at`` falls after its window (day 21)."""
    return starts_at.astimezone(zone_of(due.location)).date() > due.overdue_after


def _another_injector(
    *, due: DueReview, now: datetime.datetime
) -> tuple[User, datetime.datetime | None]:
    """The earliest free review time of another injector who works at the review's
    location (working hours there, or none entered and it is their usual location),
    nearest the treatment's time of day on that day; (the review's injector, None)
    when nobody has one."""
    others = (
        injectors()
        .exclude(pk=due.injector_id)
        .filter(
            Q(working_hours__location=due.location_id)
            | Q(working_hours__isnull=True, default_location=due.location_id)
        )
        .distinct()
        .order_by("last_name", "first_name")
    )
    zone = zone_of(due.location)
    best: tuple[datetime.date, User, datetime.datetime] | None = None
    for other in others:
        start = review_times(due=due, now=now, days=1, injector=other).suggested
        if start is not None and (best is None or start.astimezone(zone).date() < best[0]):
            best = (start.astimezone(zone).date(), other, start)
    return (best[1], best[2]) if best else (due.injector, None)


def is_still_open(due: DueReview) -> bool:
    """Whether the review still needs booking (read afresh: after a refused booking)."""
    return DueReview.objects.for_pages().get(pk=due.pk).state == DueReviewState.OPEN


def _close(due: DueReview, *, closed_as: str, by: User | None, reason: str = "") -> None:
    due.closed_as, due.dismissed_reason = closed_as, reason
    due.closed_by, due.closed_at = by, timezone.now()
    due.save(update_fields=["closed_as", "dismissed_reason", "closed_by", "closed_at"])


@transaction.atomic
def dismiss_due_review(*, due: DueReview, reason: str, by: User) -> DueReview:
    """Take a review off the list, with the reason (the patient declined, moved away…)."""
    reason = " ".join(reason.split())
    if not reason:
        raise SchedulingError("Give a reason for taking this review off the list.", field="reason")
    DueReview.objects.select_for_update().filter(pk=due.pk).values_list("pk").get()
    due = DueReview.objects.for_pages().get(pk=due.pk)
    if due.state in (DueReviewState.DONE, DueReviewState.DISMISSED):
        raise SchedulingError(f"This review is already {due.get_state_display().lower()}.")
    _close(due, closed_as=DueReviewState.DISMISSED, by=by, reason=reason)
    return due


@transaction.atomic
def record_review_done(*, treatment: Treatment, by: User) -> DueReview | None:
    """The review of ``treatment`` was charted and signed: off the desk's list."""
    due = DueReview.objects.select_for_update().filter(treatment=treatment).first()
    if due is None or due.closed_as == DueReviewState.DONE:
        return due
    _close(due, closed_as=DueReviewState.DONE, by=by)
    return due
