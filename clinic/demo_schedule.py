"""Invented demo appointments: a realistic clinic week at both demo locations.

This week Monday to Friday (and next week's first days) for both injectors:
past visits completed (one no-show, one cancellation), today's in progress,
the rest booked; six patients are due for recall (the reviews due come with
charting's demo, which signs their treatments). Runs once: a second run finds
the demo appointments and adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from .hours import closures
from .models import Appointment, Location, Patient, User
from .patients import demo_chart_numbers
from .slots import local_datetime, local_today

Kind, Status = Appointment.Kind, Appointment.Status
# A morning and an afternoon pattern: (start, kind); gaps are free time.
PATTERN = [
    ("09:00", Kind.CONSULTATION),
    ("09:45", Kind.TREATMENT),
    ("10:45", Kind.REVIEW),
    ("11:15", Kind.TREATMENT),
    ("13:30", Kind.CONSULTATION),
    ("14:15", Kind.TOUCH_UP),
    ("15:00", Kind.TREATMENT),
    ("16:15", Kind.REVIEW),
]
NOTES = ["", "", "", "Parks in the side street.", "Prefers text messages.", "Bringing a friend."]


@transaction.atomic
def seed(out) -> None:
    if Appointment.objects.filter(patient__chart_number__in=demo_chart_numbers()).exists():
        out.write("clinic schedule: demo week already there")
        return
    desk = User.objects.get(email="frontdesk@demo.clinic")
    irene = User.objects.get(email="injector@demo.clinic")
    jonah = User.objects.get(email="injector2@demo.clinic")
    riverside = Location.objects.get(name="Riverside Clinic")
    hillcrest = Location.objects.get(name="Hillcrest Studio")
    patients = list(
        Patient.objects.filter(chart_number__in=demo_chart_numbers()).order_by("chart_number")
    )
    # The tour's patients (numbers 1 to 5, README) get no random bookings: a random
    # review the day after patient 5's treatment today would count as its two-week review.
    week_pool, recall_pool = patients[5:30], patients[30:36]
    rng = random.Random(7)
    now = timezone.now()
    today = local_today(riverside, now)
    monday = today - datetime.timedelta(days=today.weekday())
    days = [monday + datetime.timedelta(days=i) for i in range(5)]
    days += [days[0] + datetime.timedelta(days=7), days[1] + datetime.timedelta(days=7)]
    made = 0
    for day in days:
        # Irene works at Riverside, Jonah at Hillcrest; on Thursdays they swap.
        plan = [(irene, riverside), (jonah, hillcrest)]
        if day.weekday() == 3:
            plan = [(irene, hillcrest), (jonah, riverside)]
        # Nothing on a day the location is closed or the injector away (clinic.hours).
        plan = [
            (injector, location)
            for injector, location in plan
            if not closures(location=location, first_day=day, last_day=day).unavailable(
                injector, day
            )
        ]
        todays_patients = rng.sample(week_pool, len(PATTERN) * 2)
        for n, (injector, location) in enumerate(plan):
            for i, (hhmm, kind) in enumerate(PATTERN):
                if rng.random() < 0.2:  # some free time
                    continue
                patient = todays_patients[n * len(PATTERN) + i]
                start = local_datetime(
                    location=location, day=day, time=datetime.time.fromisoformat(hhmm)
                )
                end = start + datetime.timedelta(minutes=Appointment.DEFAULT_MINUTES[kind])
                status, reason = _status_at(now, start, end, rng)
                Appointment.objects.create(
                    patient=patient,
                    kind=kind,
                    location=location,
                    injector=injector,
                    starts_at=start,
                    ends_at=end,
                    status=status,
                    cancel_reason=reason,
                    desk_note=rng.choice(NOTES),
                    created_by=desk,
                )
                made += 1
    for n, patient in enumerate(recall_pool):  # treated 3-4 months ago, nothing booked
        _past_treatment(patient, irene if n % 2 else jonah, riverside, now, days_ago=95 + n * 4)
    out.write(
        f"clinic schedule: {made} appointments this week, {len(recall_pool)} patients to recall"
    )


def _status_at(now, start, end, rng) -> tuple[str, str]:
    if end <= now:
        roll = rng.random()
        if roll < 0.06:
            return Status.NO_SHOW, ""
        if roll < 0.1:
            return Status.CANCELLED, "Patient called: unwell."
        return Status.COMPLETED, ""
    if start <= now:
        return Status.IN_TREATMENT, ""
    if start - now < datetime.timedelta(minutes=45):
        return Status.ARRIVED, ""
    return Status.BOOKED, ""


def _past_treatment(patient, injector, location, now, *, days_ago: int) -> Appointment:
    day = local_today(location, now) - datetime.timedelta(days=days_ago)
    start = local_datetime(location=location, day=day, time=datetime.time(11, 0))
    return Appointment.objects.create(
        patient=patient,
        kind=Kind.TREATMENT,
        location=location,
        injector=injector,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        status=Status.COMPLETED,
    )
