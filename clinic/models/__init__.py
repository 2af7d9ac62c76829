"""The clinic's models, one module per idea; import them from ``clinic.models``."""

from .appointments import HOLDS_TIME, LONGEST, Appointment, CalendarFeed
from .locations import ClosedDay, Location, Room, TimeOff
from .patients import Patient
from .staff import User
from .submits import FormSubmit

__all__ = [
    "HOLDS_TIME",
    "LONGEST",
    "Appointment",
    "CalendarFeed",
    "ClosedDay",
    "FormSubmit",
    "Location",
    "Patient",
    "Room",
    "TimeOff",
    "User",
]
