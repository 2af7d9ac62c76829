"""The clinic's models, one module per idea; import them from ``clinic.models``."""

from .appointments import HOLDS_TIME, LONGEST, Appointment, CalendarFeed
from .hours import OpeningHours, Weekday, WorkingHours
from .imports import PatientImport
from .intake import IntakeLink
from .locations import ClosedDay, Location, Room, TimeOff
from .patients import Patient
from .staff import User
from .submits import FormSubmit
from .waitlist import WaitlistEntry

__all__ = [
    "HOLDS_TIME",
    "LONGEST",
    "Appointment",
    "CalendarFeed",
    "ClosedDay",
    "FormSubmit",
    "IntakeLink",
    "Location",
    "OpeningHours",
    "Patient",
    "PatientImport",
    "Room",
    "TimeOff",
    "User",
    "WaitlistEntry",
    "Weekday",
    "WorkingHours",
    "WaitlistEntry",
]
