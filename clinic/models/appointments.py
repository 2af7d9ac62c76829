"""Appointments and calendar feed tokens.

Models only: the rules (booking, conflicts, status changes) live in
``clinic.scheduling``. Times are stored in UTC; pages show them in the
location's time zone.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..buffers import LONGEST_BUFFER, buffer_for
from ..compiled import CompiledValues, Param
from .locations import Location, Room
from .patients import Patient

# Statuses that hold the injector's and the patient's time.
HOLDS_TIME = ("booked", "arrived", "in_treatment", "completed")
# The booking rules refuse longer appointments (clinic.conflicts.check_times).
LONGEST = datetime.timedelta(hours=8)


class AppointmentQuerySet(models.QuerySet):
    def holding_time(self):
        """Appointments that occupy their slot (not cancelled, not no-show)."""
        return self.filter(status__in=HOLDS_TIME)

    def between(self, start: datetime.datetime, end: datetime.datetime, *, after=None):
        # The lower bound on starts_at says nothing new (no appointment is longer
        # than LONGEST) but turns the (location|injector|patient, starts_at)
        # indexes into a short range scan instead of every appointment before `end`
        # (the day view scanned two years of a location's history; docs/benchmarks.md).
        # ``after``: that bound given (a compiled read's ``Param``), else start - LONGEST.
        after = start - LONGEST if after is None else after
        return self.filter(starts_at__lt=end, starts_at__gt=after, ends_at__gt=start)

    def blocking(self, start: datetime.datetime, end: datetime.datetime):
        """Appointments whose blocked time (their turnover included) meets [start, end);
        the lower bound on starts_at serves the indexes as in ``between``."""
        return self.filter(
            starts_at__lt=end,
            starts_at__gt=start - LONGEST - LONGEST_BUFFER,
            blocked_until__gt=start,
        )

    def for_pages(self):
        """What the schedule pages show: names, times, kinds, rooms (one query)."""
        return self.select_related("patient", "injector", "location", "room")

    def grid_rows(self) -> list[GridAppointment]:
        """The day and week grids' appointments as ``GridAppointment`` values (one query,
        the names joined): a busy day at a location holds about eighty, and building four
        models each (the appointment, its patient, injector and location) for a page that
        only shows them was the part of the day view that grew with the day
        (docs/benchmarks.md)."""
        return [_grid_row(row) for row in self.values_list(*GRID_COLUMNS)]


class BlockedUntilField(models.DateTimeField):
    """The end of the time an appointment blocks: its end plus its kind's turnover
    (``clinic.buffers``). The booking rules set it; a row written without it (the
    demo, the factories, the bench) gets its kind's turnover when first saved."""

    def pre_save(self, model_instance, add):
        if getattr(model_instance, self.attname) is None and model_instance.ends_at:
            setattr(
                model_instance,
                self.attname,
                model_instance.ends_at + buffer_for(model_instance.kind),
            )
        return super().pre_save(model_instance, add)


class Appointment(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        TREATMENT = "treatment", "Treatment"
        REVIEW = "review", "Two-week review"
        TOUCH_UP = "touch_up", "Touch-up"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        IN_TREATMENT = "in_treatment", "In treatment"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    # Clinic defaults, in minutes; a booking may set its own end.
    DEFAULT_MINUTES = {
        Kind.CONSULTATION: 30,
        Kind.TREATMENT: 45,
        Kind.REVIEW: 15,
        Kind.TOUCH_UP: 15,
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField(help_text="Stored in UTC.")
    ends_at = models.DateTimeField(help_text="Stored in UTC.")
    blocked_until = BlockedUntilField(
        editable=False,
        help_text="Stored in UTC: the end and the kind's turnover (clinic.buffers).",
    )
    room = models.ForeignKey(
        Room,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="Empty: the first free room, for the kinds that need one.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    desk_note = models.CharField(
        "note for the desk",
        max_length=250,
        blank=True,
        help_text="Booking notes only (parking, preferred contact). No clinical detail.",
    )
    cancel_reason = models.CharField(max_length=250, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="appointment_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=models.F("ends_at")),
                name="appointment_blocked_until_its_end_at_least",
            ),
            # On PostgreSQL, migrations 0004 and 0011 add exclusion constraints: one
            # injector and one room are never in two appointments whose blocked time
            # (turnover included) overlaps, one patient never in two that overlap.
        ]
        indexes = [
            # The day view: one location, one day.
            models.Index(fields=["location", "starts_at"], name="appt_location_day_idx"),
            # The week view, "my day", conflicts and the iCal feed: one injector.
            models.Index(fields=["injector", "starts_at"], name="appt_injector_day_idx"),
            # Patient conflicts, the patient page and the recall list.
            models.Index(fields=["patient", "starts_at"], name="appt_patient_idx"),
            # The reviews-due list's "is this cycle's review booked?" (charting.models.
            # due_reviews): the review appointments holding time, per patient, read
            # from the index alone. Without it the list's count hashed every review
            # appointment: 196 ms at 200,000 patients, 46 ms with it (docs/benchmarks.md).
            # "review" and the statuses are Kind.REVIEW and HOLDS_TIME.
            models.Index(
                fields=["patient", "starts_at"],
                name="appt_patient_review_idx",
                condition=Q(kind="review", status__in=HOLDS_TIME),
            ),
            # The reminder sweep: booked, not reminded, starting soon.
            models.Index(
                fields=["starts_at"],
                name="appt_reminder_due_idx",
                condition=Q(status="booked", reminder_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("appointment_detail", args=[self.pk])

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDS_TIME

    @property
    def patient_initials(self) -> str:
        return f"{self.patient.first_name[:1]}.{self.patient.last_name[:1]}.".upper()

    def local(self, value: datetime.datetime) -> datetime.datetime:
        from zoneinfo import ZoneInfo

        return value.astimezone(ZoneInfo(self.location.time_zone))

    @property
    def local_start(self) -> datetime.datetime:
        return self.local(self.starts_at)

    @property
    def local_end(self) -> datetime.datetime:
        return self.local(self.ends_at)


# What grid_rows reads: GridAppointment's fields in order, then the injector's names.
GRID_COLUMNS = (
    "pk", "kind", "status", "starts_at", "ends_at", "blocked_until", "injector_id", "room_id",
    "cancel_reason", "patient__first_name", "patient__last_name", "location__name",
    "injector__first_name", "injector__last_name",
)  # fmt: skip


def _grid_row(row) -> GridAppointment:
    from .staff import User

    return GridAppointment(
        *row[:12], injector_name=User.full_name_of(first_name=row[12], last_name=row[13])
    )


def at_location_between_params():
    """``Appointment.objects.filter(location=...).between(start, end)`` with ``Param``s
    for a compiled read (clinic.compiled): location, start, end, after (start - LONGEST,
    ``day_params``)."""
    return Appointment.objects.filter(
        location_id=Param("location", models.BigIntegerField())
    ).between(
        Param("start", models.DateTimeField()),
        Param("end", models.DateTimeField()),
        after=Param("after", models.DateTimeField()),
    )


def day_params(*, location_id: int, start, end) -> dict:
    """The values of ``at_location_between_params``."""
    return {"location": location_id, "start": start, "end": end, "after": start - LONGEST}


# The day view's read (``grid_rows`` of ``between`` at a location), its SQL written once
# per process (clinic.compiled): a busy day's page spent a millisecond building it.
_AT_LOCATION = CompiledValues(lambda: at_location_between_params().values(*GRID_COLUMNS))


def grid_rows_at(*, location_id: int, start, end) -> list:
    """``Appointment.objects.filter(location=...).between(start, end).grid_rows()``, the
    same rows in the same order, one query whose SQL is written once."""
    rows = _AT_LOCATION.tuples(
        *GRID_COLUMNS, **day_params(location_id=location_id, start=start, end=end)
    )
    return [_grid_row(r) for r in rows]


_KINDS = dict(Appointment.Kind.choices)
_STATUSES = dict(Appointment.Status.choices)


@dataclass(slots=True)
class GridAppointment:
    """An appointment as the day and week grids and the day's lists show it (names,
    times, kind and status; no clinical field), read as values
    (``AppointmentQuerySet.grid_rows``)."""

    pk: int
    kind: str
    status: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    blocked_until: datetime.datetime
    injector_id: int
    room_id: int | None
    cancel_reason: str
    first_name: str  # the patient's
    last_name: str
    location_name: str
    injector_name: str  # "first last", as User.get_full_name
    # Set by the day view for its lists: the start on the location's clock, links.
    local_time: str = ""
    link: str = ""
    status_url: str = ""

    @property
    def patient_name(self) -> str:
        """As ``Patient.full_name``."""
        return f"{self.first_name} {self.last_name}"

    @property
    def kind_label(self) -> str:
        return _KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return _STATUSES.get(self.status, self.status)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """An injector's private iCal address; rotating the token kills the old URL."""

    injector = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    rotated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of user #{self.injector_id}"

    def get_absolute_url(self) -> str:
        return reverse("calendar_feed", args=[self.token])
