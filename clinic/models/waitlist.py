"""The waitlist: a patient waiting for an earlier slot (issue 19).

Models only: adding, fitting a freed time, booking and removing are the rules of
``clinic.waitlist``. Nothing clinical: the kind of visit, where, with whom, when it
suits, and a note for the desk.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .appointments import Appointment
from .locations import Location
from .patients import Patient

NOON = datetime.time(12, 0)
WEEKDAYS_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class WaitlistQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state=WaitlistEntry.State.WAITING)

    def for_pages(self):
        return self.select_related("patient", "location", "injector", "created_by", "appointment")


class WaitlistEntry(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        REMOVED = "removed", "Removed"

    class Times(models.TextChoices):
        ANY = "any", "Any time"
        MORNING = "morning", "Mornings (before 12:00)"
        AFTERNOON = "afternoon", "Afternoons (from 12:00)"
        BETWEEN = "between", "Between two times"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist")
    kind = models.CharField(max_length=20, choices=Appointment.Kind.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: any injector.",
    )
    weekdays = models.CharField(
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^[0-6]*$", "Weekdays are digits 0 (Monday) to 6 (Sunday).")],
        help_text="The weekdays that suit (0 = Monday … 6 = Sunday); empty: any day.",
    )
    times = models.CharField(max_length=10, choices=Times.choices, default=Times.ANY)
    time_from = models.TimeField(null=True, blank=True)
    time_until = models.TimeField(null=True, blank=True)
    first_day = models.DateField(help_text="From this day on, in the location's zone.")
    last_day = models.DateField(null=True, blank=True, help_text="Empty: until booked.")
    desk_note = models.CharField(
        "note for the desk",
        max_length=250,
        blank=True,
        help_text="Booking notes only (how to reach them, short notice is fine). "
        "No clinical detail.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_reason = models.CharField(max_length=250, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = WaitlistQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]  # the order of waiting
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__isnull=True) | Q(last_day__gte=models.F("first_day")),
                name="waitlist_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(times="between")
                | Q(
                    time_from__isnull=False,
                    time_until__isnull=False,
                    time_until__gt=models.F("time_from"),
                ),
                name="waitlist_between_has_times",
            ),
            models.CheckConstraint(
                condition=~Q(state="booked") | Q(appointment__isnull=False),
                name="waitlist_booked_has_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(state="removed") | ~Q(removed_reason=""),
                name="waitlist_removal_has_reason",
            ),
        ]
        indexes = [
            # The waitlist page and the offers of a freed time: who waits at a location.
            models.Index(
                fields=["location", "created_at"],
                name="waitlist_waiting_idx",
                condition=Q(state="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry #{self.pk}"

    def get_absolute_url(self) -> str:
        return f"{reverse('waitlist')}?location={self.location_id}#entry-{self.pk}"

    def time_window(self) -> tuple[datetime.time | None, datetime.time | None]:
        """The wall-clock bounds of a suitable appointment (None: the location's hours)."""
        if self.times == self.Times.MORNING:
            return None, NOON
        if self.times == self.Times.AFTERNOON:
            return NOON, None
        if self.times == self.Times.BETWEEN:
            return self.time_from, self.time_until
        return None, None

    @property
    def days_text(self) -> str:
        if not self.weekdays:
            return "Any day"
        return ", ".join(WEEKDAYS_SHORT[int(d)] for d in sorted(set(self.weekdays)))

    @property
    def times_text(self) -> str:
        if self.times == self.Times.BETWEEN and self.time_from and self.time_until:
            return f"{self.time_from:%H:%M}–{self.time_until:%H:%M}"
        return self.Times(self.times).label

    @property
    def dates_text(self) -> str:
        if self.last_day:
            return f"{self.first_day:%b %-d} – {self.last_day:%b %-d, %Y}"
        return f"from {self.first_day:%b %-d, %Y}"
