"""Bench appointments: two years back and a month ahead, across 3 locations and
20 injectors, packed one after another from opening time (no overlaps for an
injector, turnover included; a patient at most once a day, so PostgreSQL's exclusion constraints
hold)."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from clinic.buffers import blocked_until
from clinic.models import Appointment

from . import rows

BACK_DAYS = 730
AHEAD_DAYS = 30
PER_INJECTOR_DAY = 12
KINDS = [
    (Appointment.Kind.TREATMENT, 45),
    (Appointment.Kind.REVIEW, 15),
    (Appointment.Kind.TREATMENT, 45),
    (Appointment.Kind.CONSULTATION, 30),
    (Appointment.Kind.TOUCH_UP, 15),
    (Appointment.Kind.REVIEW, 15),
]
FIELDS = [
    "patient", "kind", "location", "injector", "starts_at", "ends_at", "blocked_until",
    "status", "desk_note", "cancel_reason", "created_at", "updated_at",
]  # fmt: skip


def per_day(patient_count: int, injectors: int) -> int:
    """Appointments a day in all: about three per patient over the window, at most
    twelve per injector, at most one per patient."""
    days = BACK_DAYS + AHEAD_DAYS
    wanted = max(1, round(3 * patient_count / days))
    return min(wanted, injectors * PER_INJECTOR_DAY, patient_count)


def appointment_rows(*, patient_ids: list[int], injectors, ctx, rng: random.Random):
    now = timezone.now()
    total = per_day(len(patient_ids), len(injectors))
    offset = 0
    for back in range(BACK_DAYS, -AHEAD_DAYS - 1, -1):
        day = ctx.today - datetime.timedelta(days=back)
        clock = {inj.pk: ctx.at(day, 9) for inj in injectors}
        for k in range(total):
            injector = injectors[k % len(injectors)]
            patient_id = patient_ids[(offset + k) % len(patient_ids)]
            kind, minutes = KINDS[rng.randrange(len(KINDS))]
            starts = clock[injector.pk]
            ends = starts + datetime.timedelta(minutes=minutes)
            blocked = blocked_until(kind=kind, ends_at=ends)  # the kind's turnover
            clock[injector.pk] = blocked
            status, reason = "booked", ""
            if ends < now:
                roll = rng.random()
                if roll < 0.06:
                    status, reason = "cancelled", "Patient asked to move it."
                elif roll < 0.10:
                    status = "no_show"
                else:
                    status = "completed"
            created = starts - datetime.timedelta(days=rng.randint(1, 40))
            yield (
                patient_id, kind, injector.default_location_id, injector.pk, starts, ends,
                blocked, status, "", reason, created, created,
            )  # fmt: skip
        offset += total


def make_appointments(*, patient_ids, injectors, ctx, rng) -> int:
    return rows.copy_rows(
        Appointment,
        FIELDS,
        appointment_rows(patient_ids=patient_ids, injectors=injectors, ctx=ctx, rng=rng),
    )
