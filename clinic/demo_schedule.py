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
from .patients import chart_number_for, demo_chart_numbers
from .scheduling import book_appointment, change_status
from .waitlist import add_to_waitlist

Kind, Status = Appointment.Kind, Appointment.Status
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
    waiting = _waitlist(story=story, patients=patients, desk=desk, people=people)
    out.write(
        f"clinic schedule: {len(story.visits)} appointments of the demo's story "
        f"({sum(v.starts_at >= story.now for v in story.visits)} ahead), "
        f"{waiting} patients on the waitlist"
    )


def _waitlist(*, story: Story, patients: dict, desk: User, people: dict) -> int:
    """Three patients waiting for an earlier time, added through the waitlist's rule
    (``clinic.waitlist``): the oldest fits the consultation cancelled ahead (C-000011's),
    so its page and the waitlist page offer it; two others wait for what is not free."""
    freed = next(
        v for v in story.visits if v.status == Status.CANCELLED and v.starts_at > story.now
    )
    places = {p.name: p for p in Location.objects.all()}
    today = story.today
    wishes = [
        # (patient number, kind, location, injector, weekdays, times, desk note)
        (
            36,
            freed.kind,
            freed.location,
            None,
            "",
            "any",
            "Any day, at short notice.",
        ),
        (34, Kind.TREATMENT, "Hillcrest Studio", "injector2@demo.clinic", "02", "afternoon", ""),
        (21, Kind.CONSULTATION, "Riverside Clinic", None, "4", "morning", "Fridays only."),
    ]
    for number, kind, place, injector, weekdays, times, note in wishes:
        add_to_waitlist(
            patient=patients[chart_number_for(number)],
            kind=kind,
            location=places[place],
            injector=people[injector] if injector else None,
            first_day=today,
            last_day=today + datetime.timedelta(days=21),
            weekdays=weekdays,
            times=times,
            desk_note=note,
            by=desk,
            today=today,
        )
    return len(wishes)


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
