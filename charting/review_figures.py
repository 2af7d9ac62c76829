"""The front desk's review figure (issue 19): per week of treatment and location, how
many of the two-week reviews owed were booked within days 10–21 of their treatment
(``charting.review_timing.REVIEW_DAYS``, counted on the location's clock).

Owed: the due reviews of the treatments of that week, less those dismissed with a
reason (the patient declined, moved away). Booked within the window: the cycle's first
review appointment holding its time (booked, arrived, in treatment, completed; the
same appointments that make a due review "booked", ``models.due_reviews``) starts on
day 10 to 21. A recent week is still filling: its reviews may not be booked yet.
One query, however many weeks and reviews.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import DateTimeField

from clinic.models import Location
from clinic.slots import local_day_bounds, zone_of

from .models import DueReview
from .models.due_reviews import DueReviewState, first_cycle_review
from .review_timing import REVIEW_DAYS


@dataclass
class ReviewWeek:
    owed: int = 0
    in_window: int = 0

    @property
    def rate(self) -> float | None:
        return self.in_window / self.owed if self.owed else None


def reviews_booked_in_window(
    *, locations: list[Location], first_day: datetime.date, last_day: datetime.date
) -> dict[tuple[int, datetime.date], ReviewWeek]:
    """(location id, the week's Monday) -> the week's reviews owed and booked in time."""
    by_pk = {location.pk: location for location in locations}
    if not by_pk:
        return {}
    start = min(local_day_bounds(location=loc, day=first_day)[0] for loc in locations)
    end = max(local_day_bounds(location=loc, day=last_day)[1] for loc in locations)
    # query: the due reviews of treatments in the span, with their first review's start
    rows = (
        DueReview.objects.filter(location__in=by_pk, treated_at__gte=start, treated_at__lt=end)
        .exclude(closed_as=DueReviewState.DISMISSED)
        .annotate(first_review_at=first_cycle_review("starts_at", DateTimeField()))
        .values_list("location_id", "treated_at", "first_review_at")
        .order_by()
    )
    found: dict[tuple[int, datetime.date], ReviewWeek] = defaultdict(ReviewWeek)
    for location_id, treated_at, first_review_at in rows:
        zone = zone_of(by_pk[location_id])
        treated = treated_at.astimezone(zone).date()
        if not first_day <= treated <= last_day:
            continue
        week = found[(location_id, treated - datetime.timedelta(days=treated.weekday()))]
        week.owed += 1
        if first_review_at is not None:
            day = (first_review_at.astimezone(zone).date() - treated).days
            week.in_window += day in REVIEW_DAYS
    return dict(found)
