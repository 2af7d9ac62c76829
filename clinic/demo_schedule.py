"""Invented demo appointments: the appointment book of the demo's story
(``clinic.demo_story``), this week and next at both locations and the patients'
history before them.

Every appointment is booked through the book's rules (``clinic.scheduling``: open
day, injector at work, no clash), at a time before it for the past, and then marked
as it went (arrived and completed, a no-show, a cancellation) through
``change_status``. Runs once: a second run finds the demo appointments and adds
nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from .demo_story import Story
from .models import Appointment, Location, Patient, User
from .patients import demo_chart_numbers
from .scheduling import book_appointment, change_status

Status = Appointment.Status
NOTES = ["", "", "", "Parks in the side street.", "Prefers text messages.", "Bringing a friend."]
BOOKED_AHEAD = datetime.timedelta(days=10)  # a past visit was booked this long before it


@transaction.atomic
def seed(out, *, story: Story) -> None:
    if Appointment.objects.filter(patient__chart_number__in=demo_chart_numbers()).exists():
        out.write("clinic schedule: the demo's book is already there")
        return
    desk = User.objects.get(email="frontdesk@demo.clinic")
    people = {u.email: u for u in User.objects.filter(email__in={v.injector for v in story.visits})}
    places = {p.name: p for p in Location.objects.all()}
    patients = Patient.objects.in_bulk(demo_chart_numbers(), field_name="chart_number")
    for n, visit in enumerate(story.visits):
        booked_at = min(story.now, visit.starts_at - BOOKED_AHEAD)
        appointment = book_appointment(
            patient=patients[visit.chart_number],
            kind=visit.kind,
            location=places[visit.location],
            injector=people[visit.injector],
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            by=desk,
            desk_note=NOTES[n % len(NOTES)],
            now=booked_at,
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=booked_at)
        for status in _steps_to(visit.status):
            change_status(
                appointment=appointment,
                to=status,
                reason=visit.cancel_reason,
                now=min(story.now, visit.starts_at),
            )
    out.write(
        f"clinic schedule: {len(story.visits)} appointments of the demo's story "
        f"({sum(v.starts_at >= story.now for v in story.visits)} ahead)"
    )


def _steps_to(status: str) -> list[str]:
    """The status changes from booked to ``status``, as the desk makes them."""
    return {
        Status.BOOKED: [],
        Status.ARRIVED: [Status.ARRIVED],
        Status.IN_TREATMENT: [Status.ARRIVED, Status.IN_TREATMENT],
        Status.COMPLETED: [Status.ARRIVED, Status.COMPLETED],
        Status.NO_SHOW: [Status.NO_SHOW],
        Status.CANCELLED: [Status.CANCELLED],
    }[status]
