"""The two-week review a signed treatment is owed, as the front desk sees it.

Recorded when a treatment is signed (``charting.due_reviews``). Whether it is
booked is not stored but read from the appointment book: any review
appointment of the patient after the treatment and within its cycle counts,
however it was booked (the reviews-due list, the booking form, the Django
admin), and a cancelled or missed one puts the review back on the list. Only
what no appointment can say is stored: that the review was done (signed) or
dismissed with a reason.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.utils import timezone

from clinic.models import HOLDS_TIME, Appointment

# A review appointment belongs to the treatment before it within this time (the
# shortest interval between cycles), so the next cycle's review never counts here.
REVIEW_WINDOW = datetime.timedelta(days=90)
WAITING = (
    Appointment.Status.BOOKED,
    Appointment.Status.ARRIVED,
    Appointment.Status.IN_TREATMENT,
)


class DueReviewState(models.TextChoices):
    OPEN = "open", "Needs booking"
    BOOKED = "booked", "Booked"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


def review_appointments():
    """The review appointments of a due review's patient within its window (a subquery)."""
    treated_at = OuterRef("treatment__started_at")
    window_end = ExpressionWrapper(treated_at + REVIEW_WINDOW, output_field=DateTimeField())
    return Appointment.objects.filter(
        patient=OuterRef("patient"),
        kind=Appointment.Kind.REVIEW,
        status__in=HOLDS_TIME,
        starts_at__gt=treated_at,
        starts_at__lt=window_end,
    )


class DueReviewQuerySet(models.QuerySet):
    def still_owed(self):
        """Neither done nor dismissed (booked or not)."""
        return self.filter(closed_as="").exclude(
            Exists(review_appointments().filter(status=Appointment.Status.COMPLETED))
        )

    def needing_booking(self):
        return self.filter(closed_as="").exclude(Exists(review_appointments()))

    def with_state(self):
        """Annotates the booked review appointment (id and start) and whether a review
        appointment was completed: ``due.state`` reads them (two subqueries)."""
        waiting = review_appointments().filter(status__in=WAITING).order_by("starts_at")
        return self.annotate(
            booked_id=Subquery(waiting.values("pk")[:1]),
            booked_at=Subquery(waiting.values("starts_at")[:1]),
            completed=Exists(review_appointments().filter(status=Appointment.Status.COMPLETED)),
        )

    def for_pages(self):
        return self.select_related("patient", "injector", "location", "treatment").with_state()

    def for_list(self):
        """The reviews-due list's columns only (converting the rest of the joined rows
        was a third of its query's time; docs/benchmarks.md)."""
        return self.for_pages().only(
            "patient", "injector", "location", "treatment", "due_on", "overdue_after",
            "closed_as", "patient__first_name", "patient__last_name", "patient__chart_number",
            "patient__phone", "injector__first_name", "injector__last_name", "location__name",
            "location__time_zone", "treatment__started_at",
        )  # fmt: skip


class DueReview(models.Model):
    """A signed treatment's two-week review, until it is done or dismissed."""

    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    OVERDUE_AFTER_DAYS = 21

    class ClosedAs(models.TextChoices):
        DONE = "done", "Done"
        DISMISSED = "dismissed", "Dismissed"

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
    due_on = models.DateField(help_text="The review day (usually day 14), in the location's zone.")
    overdue_after = models.DateField(help_text="Day 21 after the treatment.")
    closed_as = models.CharField(max_length=12, choices=ClosedAs.choices, blank=True)
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
            # The reviews-due list: reviews not closed, by due date.
            models.Index(fields=["due_on"], name="due_review_owed_idx", condition=Q(closed_as="")),
        ]

    def __str__(self) -> str:
        return f"Review due {self.due_on} (#{self.pk})"

    @property
    def treated_at(self) -> datetime.datetime:
        return self.treatment.started_at

    @property
    def state(self) -> str:
        """Needs booking, booked, done or dismissed (needs ``with_state()``)."""
        if self.closed_as:
            return self.closed_as
        if self.completed:
            return DueReviewState.DONE
        return DueReviewState.BOOKED if self.booked_id else DueReviewState.OPEN

    def get_state_display(self) -> str:
        return DueReviewState(self.state).label

    def is_overdue(self, today: datetime.date) -> bool:
        return self.state == DueReviewState.OPEN and today > self.overdue_after
