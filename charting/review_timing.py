"""When the two-week review and its touch-up belong: the one rule of review timing.

Days count from the treatment's day (its start, in its location's zone) to the
review visit's day. A touch-up belongs to days 10–21 (before day 10 the effect has
not peaked); outside them it needs a written reason and an acknowledgment, stored
and signed with the touch-up. A review before day 10 is early (e.g. for a side
effect): it is opened only with a stated reason, stored and shown; an early review
never by itself opens a touch-up (its reason is not the touch-up's). Booking
chooses the review day in the same window and counts a review appointment as the
cycle's review only from day 10.

Doors (issue 17, finding 4): the review page and its opening
(``charting.reviews.review.open_review``), the touch-up's add endpoint and the
signing of the review and touch-up (``charting.reviews.touchups``, ``review``),
booking (``charting.due_reviews``: the list's "Book review" choice of times and its
suggested time, signing's booking; ``models.due_reviews``), the demo data
(``charting.demo.reviews``). The Django admin registers no review or touch-up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from clinic.input_bounds import NO_CONTROL, control_characters_in
from clinic.slots import zone_of

from .models import Treatment

TOUCH_UP_DAYS = range(10, 22)  # days 10–21 after the treatment
EARLY_BEFORE_DAY = TOUCH_UP_DAYS.start  # a review before day 10 is early
REVIEW_DAYS = TOUCH_UP_DAYS  # the day a review is booked for: the same window
DEFAULT_REVIEW_DAYS = 14
# Booking offers today's times first from this many days before the due day (never
# before the window opens): a day-14 review from day 10 on. Before that the due day's.
DUE_SOON_DAYS = 4


def treated_day(treatment: Treatment) -> datetime.date:
    """The treatment's day in its location's zone (needs ``visit__location``)."""
    return treatment.started_at.astimezone(zone_of(treatment.visit.location)).date()


def day_after(*, treatment: Treatment, on: datetime.date) -> int:
    """Which day after the treatment ``on`` is (the treatment's day is day 0)."""
    return (on - treated_day(treatment)).days


def day_text(*, treatment: Treatment, on: datetime.date) -> str:
    """ "Day 3 after treatment on 2 Dec", for the review page and its history."""
    day = day_after(treatment=treatment, on=on)
    return f"Day {day} after treatment on {treated_day(treatment):%-d %b}"


def is_early(*, treatment: Treatment, on: datetime.date) -> bool:
    return day_after(treatment=treatment, on=on) < EARLY_BEFORE_DAY


def window_opens(treatment: Treatment) -> datetime.date:
    return treated_day(treatment) + datetime.timedelta(days=TOUCH_UP_DAYS.start)


def window_opens_at(*, treated_at: datetime.datetime, location) -> datetime.datetime:
    """The start of day 10 in the location's zone: from then on a review appointment is
    the cycle's two-week review (booking, ``models.due_reviews``)."""
    zone = zone_of(location)
    day = treated_at.astimezone(zone).date() + datetime.timedelta(days=TOUCH_UP_DAYS.start)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def first_booking_day(
    *, due_on: datetime.date, window_opens_on: datetime.date, today: datetime.date
) -> datetime.date:
    """The first day booking a review offers: today once the review is due (from
    ``DUE_SOON_DAYS`` before its due day, not before its window opens; overdue too),
    else its due day (issue 19, finding 4)."""
    due_from = max(window_opens_on, due_on - datetime.timedelta(days=DUE_SOON_DAYS))
    return today if today >= due_from else due_on


def review_opening_refusal(
    *, treatment: Treatment, on: datetime.date, reason: str = ""
) -> str | None:
    """Why the review of ``treatment`` cannot be opened on ``on`` with ``reason``."""
    if control_characters_in(reason or "", multiline=True):
        return NO_CONTROL
    day = day_after(treatment=treatment, on=on)
    if day < 0:
        return "A review cannot come before its treatment."
    if day < EARLY_BEFORE_DAY and not (reason or "").strip():
        return (
            f"{day_text(treatment=treatment, on=on)}: the two-week review is due from day "
            f"{EARLY_BEFORE_DAY} ({window_opens(treatment):%-d %b}). To open it early (for "
            "example for a side effect), give the reason; an early review takes no touch-up "
            "without a reason of its own."
        )
    return None


@dataclass(frozen=True)
class TouchUpTiming:
    """A touch-up outside days 10–21: what the rule says, stored with its reason."""

    day: int
    message: str

    def as_dict(self) -> dict:
        return {"day": self.day, "window": "10-21", "message": self.message}


def touch_up_timing(*, treatment: Treatment, on: datetime.date) -> TouchUpTiming | None:
    """None when a touch-up on ``on`` is in its window, else the finding."""
    day = day_after(treatment=treatment, on=on)
    if day in TOUCH_UP_DAYS:
        return None
    why = (
        "the effect has not peaked before day 10"
        if day < TOUCH_UP_DAYS.start
        else "the treatment's effect is judged by then"
    )
    return TouchUpTiming(
        day=day,
        message=(
            f"A touch-up belongs to days {TOUCH_UP_DAYS.start}–{TOUCH_UP_DAYS.stop - 1} after "
            f"the treatment ({why}); this is day {day}."
        ),
    )


def touch_up_timing_errors(
    *, timing: TouchUpTiming | None, reason: str, acknowledged: bool
) -> dict[str, str]:
    """The reason and acknowledgment a touch-up outside its window needs (form errors)."""
    if control_characters_in(reason or "", multiline=True):
        return {"timing_reason": NO_CONTROL}
    if timing is None:
        return {}
    errors = {}
    if not (reason or "").strip():
        errors["timing_reason"] = (
            f"This is day {timing.day}: write why the touch-up is given now (an early "
            "review's reason does not count for it)."
        )
    if not acknowledged:
        errors["timing_ack"] = "Confirm that you give the touch-up outside days 10–21."
    return errors
