"""The one shape of a rule's refusal, whichever floor's rule it is."""

from __future__ import annotations


class RuleError(Exception):
    """A rule said no: ``message`` for the person at the screen, ``field`` the form
    field it belongs next to (or None for the whole form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class SchedulingError(RuleError):
    """A booking rule said no; ``message`` (also ``str(error)``) for the desk."""


class BookingConflict(SchedulingError):
    """The injector or the patient is already booked at that time."""


class NoFreeSlot(SchedulingError):
    """No free time for a review; the review stays on the reviews-due list."""
