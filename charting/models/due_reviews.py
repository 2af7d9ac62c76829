"""The two-week review a signed treatment is owed, as the front desk sees it.

Recorded when a treatment is signed (``charting.due_reviews``). Whether it is
booked is not stored but read from the appointment book: a review appointment
of the patient in the treatment's cycle (from day 10 after the treatment, the
window of ``charting.review_timing``, and before the patient's next signed
treatment) counts, however it was booked (the
reviews-due list, the booking form, the Django admin); a cancelled or missed
one puts the review back on the list. So each review appointment belongs to
one treatment, the nearest before it. Only what no appointment can say is
stored: that the review was done (signed) or dismissed with a reason, and the
cycle's bounds (fixed facts of signed treatments, kept here so the list reads
them without joining every treatment).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from clinic.models import HOLDS_TIME, Appointment


class DueReviewState(models.TextChoices):
    OPEN = "open", "Needs booking"
    BOOKED = "booked", "Booked"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


def _cycle_reviews_sql() -> tuple[str, list]:
    """The review appointments of a due review's patient in its cycle (from day 10 after
    the treatment, ``review_from``, before the next signed treatment), as SQL for a subquery of a
    due-review query, with its parameters.

    Written as SQL rather than as nested querysets: the list compiles these
    subqueries on every request, and Django's compiling of nested lookups was most
    of the page's CPU (docs/benchmarks.md). The outer row is the due review's own
    table, which Django does not alias in a query of that model, but does in a subquery
    (``U0``): never filter a subquery on these (the reviews-due list reads its page's ids
    first)."""
    appointment, due = Appointment._meta.db_table, "charting_duereview"
    holds = ", ".join(["%s"] * len(HOLDS_TIME))
    sql = (
        f"FROM {appointment} a WHERE a.patient_id = {due}.patient_id AND a.kind = %s"
        f" AND a.status IN ({holds}) AND a.starts_at >= {due}.review_from"
        f" AND ({due}.cycle_ends_at IS NULL OR a.starts_at < {due}.cycle_ends_at)"
    )
    return sql, [Appointment.Kind.REVIEW, *HOLDS_TIME]


def has_cycle_review() -> RawSQL:
    """Whether the cycle has a review appointment holding its time (booked or done)."""
    sql, params = _cycle_reviews_sql()
    # Our own SQL with the values as parameters (see _cycle_reviews_sql).
    return RawSQL(f"EXISTS (SELECT 1 {sql})", params, output_field=BooleanField())  # noqa: S611 # nosec B611


def first_cycle_review(column: str, output_field) -> RawSQL:
    """A column of the cycle's first review appointment (None when there is none)."""
    sql, params = _cycle_reviews_sql()
    return RawSQL(  # noqa: S611 # nosec B611 - our own SQL; the values are parameters
        f"(SELECT a.{column} {sql} ORDER BY a.starts_at LIMIT 1)", params, output_field=output_field
    )


def due_state(*, closed_as: str, booked_status: str | None, booked_id: int | None) -> str:
    """Needs booking, booked, done or dismissed, from the stored closing and the cycle's
    first review appointment (``with_state()``): the one rule, for rows read as values
    too (the reviews-due list)."""
    if closed_as:
        return closed_as
    if booked_status == Appointment.Status.COMPLETED:
        return DueReviewState.DONE
    return DueReviewState.BOOKED if booked_id else DueReviewState.OPEN


# What a row of the front desk's list shows (names, dates and states: no clinical field).
LIST_COLUMNS = (
    "pk", "patient_id", "injector_id", "location_id", "treated_at", "review_from", "due_on",
    "overdue_after", "closed_as", "patient__first_name", "patient__last_name",
    "patient__chart_number", "patient__phone", "injector__first_name", "injector__last_name",
    "location__name", "location__time_zone",
)  # fmt: skip


class DueReviewQuerySet(models.QuerySet):
    def owed(self):
        """Neither dismissed nor signed as done; ``has_review`` and ``review_status``
        (the first review appointment's) can be filtered on."""
        return self.filter(closed_as="").alias(
            has_review=has_cycle_review(),
            review_status=first_cycle_review("status", models.CharField()),
        )

    def still_owed(self):
        """Not done (neither signed nor completed at the desk) nor dismissed."""
        return self.owed().filter(
            Q(review_status__isnull=True) | ~Q(review_status=Appointment.Status.COMPLETED)
        )

    def needing_booking(self):
        return self.owed().filter(has_review=False)

    def with_state(self):
        """Annotates the cycle's first review appointment (id, start, status):
        ``due.state`` reads them."""
        return self.annotate(
            booked_id=first_cycle_review("id", models.BigIntegerField()),
            booked_at=first_cycle_review("starts_at", models.DateTimeField()),
            booked_status=first_cycle_review("status", models.CharField()),
        )

    def for_pages(self):
        return self.select_related("patient", "injector", "location").with_state()

    def for_list(self):
        """The reviews-due list's columns only, as values (``LIST_COLUMNS``, and the
        state's ``booked_id``, ``booked_at``, ``booked_status``): the rows are shown, never
        changed, and building four models a row was a tenth of the page
        (docs/benchmarks.md)."""
        return self.with_state().values(*LIST_COLUMNS, "booked_id", "booked_at", "booked_status")


class DueReview(models.Model):
    """A signed treatment's two-week review, until it is done or dismissed."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    OVERDUE_AFTER_DAYS = 21

    CLOSED_AS = [
        (DueReviewState.DONE.value, DueReviewState.DONE.label),
        (DueReviewState.DISMISSED.value, DueReviewState.DISMISSED.label),
    ]

    treatment = models.OneToOneField(
        "charting.Treatment", on_delete=models.PROTECT, related_name="due_review"
    )
    # The treatment's patient, injector and location, kept here for the front
    # desk's list and its filters (a signed treatment never changes them).
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.PROTECT, related_name="due_reviews"
    )
    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="due_reviews"
    )
    location = models.ForeignKey(
        "clinic.Location", on_delete=models.PROTECT, related_name="due_reviews"
    )
    # The treatment's cycle: from its start to the start of the patient's next signed
    # treatment (None while there is none); set by charting.due_reviews when each
    # treatment is signed. Signed treatments never change, so neither do these.
    treated_at = models.DateTimeField()
    # The start of day 10 in the location's zone (charting.review_timing): a review
    # appointment of the cycle counts as its two-week review from then on, the window
    # the review is booked in; one on the day after the treatment does not.
    review_from = models.DateTimeField()
    cycle_ends_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(help_text="The review day (usually day 14), in the location's zone.")
    overdue_after = models.DateField(help_text="Day 21 after the treatment.")
    closed_as = models.CharField(max_length=12, choices=CLOSED_AS, blank=True)
    dismissed_reason = models.CharField(max_length=250, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DueReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(closed_as="dismissed") | ~Q(dismissed_reason=""),
                name="due_review_dismissal_has_reason",
            ),
        ]
        indexes = [
            # The reviews-due list: reviews not closed, in the list's order (due date, then
            # id), so a page's 25 stop the scan: by due date alone, the whole first day
            # was read and sorted (677 rows at 200,000 patients, docs/benchmarks.md).
            models.Index(
                fields=["due_on", "id"], name="due_review_listed_idx", condition=Q(closed_as="")
            ),
        ]

    def __str__(self) -> str:
        return f"Review due {self.due_on} (#{self.pk})"

    @property
    def state(self) -> str:
        """Needs booking, booked, done or dismissed (needs ``with_state()``)."""
        return due_state(
            closed_as=self.closed_as, booked_status=self.booked_status, booked_id=self.booked_id
        )

    def get_state_display(self) -> str:
        return DueReviewState(self.state).label

    def is_overdue(self, today: datetime.date) -> bool:
        return self.state == DueReviewState.OPEN and today > self.overdue_after
