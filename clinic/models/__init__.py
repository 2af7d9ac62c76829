"""The clinic's models, one module per idea; import them from ``clinic.models``."""

from .appointments import HOLDS_TIME, LONGEST, Appointment, CalendarFeed
from .locations import ClosedDay, Location, TimeOff
from .patients import Patient
from .staff import User

__all__ = [
    "HOLDS_TIME",
    "LONGEST",
    "Appointment",
    "CalendarFeed",
    "ClosedDay",
    "Location",
    "Patient",
    "TimeOff",
    "User",
]
