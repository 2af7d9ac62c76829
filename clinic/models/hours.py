"""Opening hours per weekday (a location's) and working hours per weekday and
location, with a break (an injector's). The rule that reads them is
``clinic.hours``; times are the location's wall clock."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from .locations import Location


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """When a location is open on one weekday. Once a location has any, a weekday
    without a row is closed; a location with none is open ``opens_at``–``closes_at``
    on every day but its closed weekdays."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["location", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(
                fields=["location", "weekday"], name="opening_hours_once_per_weekday"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="opening_hours_open_before_close"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": "The location closes after it opens."})


class WorkingHours(models.Model):
    """When an injector works at a location on one weekday, with an optional break
    (lunch). An injector without any works whenever the location is open; one with
    some works only then (outside them, or in the break, is a warning to confirm)."""

    injector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    break_starts_at = models.TimeField(null=True, blank=True, help_text="e.g. lunch, 12:30")
    break_ends_at = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["injector", "weekday", "starts_at"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="working_hours_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday"),
            models.CheckConstraint(
                condition=Q(break_starts_at__isnull=True, break_ends_at__isnull=True)
                | Q(
                    break_starts_at__isnull=False,
                    break_ends_at__isnull=False,
                    break_starts_at__gte=F("starts_at"),
                    break_starts_at__lt=F("break_ends_at"),
                    break_ends_at__lte=F("ends_at"),
                ),
                name="working_hours_break_within_hours",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"
            f" at {self.location}"
        )

    def clean(self) -> None:
        errors = {}
        start, end = self.starts_at, self.ends_at
        pause, resume = self.break_starts_at, self.break_ends_at
        if start and end and start >= end:
            errors["ends_at"] = "The working hours end after they start."
        if (pause is None) != (resume is None):
            field = "break_ends_at" if resume is None else "break_starts_at"
            errors[field] = "Give the break's start and its end (or neither)."
        elif pause and resume and pause >= resume:
            errors["break_ends_at"] = "The break ends after it starts."
        elif pause and resume and start and end and not start <= pause < resume <= end:
            errors["break_starts_at"] = (
                f"The break ({pause:%H:%M}–{resume:%H:%M}) is outside the working hours "
                f"({start:%H:%M}–{end:%H:%M})."
            )
        if errors:
            raise ValidationError(errors)
        if self.injector_id is not None and self.weekday is not None and start and end:
            overlapping = (
                WorkingHours.objects.filter(
                    injector_id=self.injector_id,
                    weekday=self.weekday,
                    starts_at__lt=end,
                    ends_at__gt=start,
                )
                .exclude(pk=self.pk)
                .select_related("location")
                .first()
            )
            if overlapping is not None:
                raise ValidationError(
                    f"These hours overlap {overlapping} (one place at a time; "
                    "a break is set on the row itself)."
                )
