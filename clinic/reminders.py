"""Appointment reminders: one email the day before, never twice.

The message names the place and the time only: no visit kind, no product, no
clinical word. ``send_reminder`` claims the appointment with a conditional
UPDATE before sending, so a second run (a restarted beat or worker, a task
delivered twice) finds it claimed and sends nothing.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Appointment, Location
from .slots import local_day_bounds, local_today, zone_of

log = logging.getLogger(__name__)

# Reminders for tomorrow go out from this local hour on, not in the night.
SEND_FROM_HOUR = 9


def appointments_to_remind(*, now: datetime.datetime) -> list[int]:
    """Ids of booked, unreminded appointments on each location's tomorrow."""
    ids: list[int] = []
    for location in Location.objects.active():
        if now.astimezone(zone_of(location)).hour < SEND_FROM_HOUR:
            continue
        tomorrow = local_today(location, now) + datetime.timedelta(days=1)
        start, end = local_day_bounds(location=location, day=tomorrow)
        ids.extend(
            Appointment.objects.filter(
                location=location,
                status=Appointment.Status.BOOKED,
                reminder_sent_at__isnull=True,
                starts_at__gte=start,
                starts_at__lt=end,
            ).values_list("pk", flat=True)
        )
    return ids


def reminder_text(appointment: Appointment, now: datetime.datetime) -> tuple[str, str]:
    start = appointment.local_start
    location = appointment.location
    days_ahead = (start.date() - local_today(location, now)).days
    when = {0: "today", 1: "tomorrow"}.get(days_ahead, f"on {start:%A %B %-d}")
    subject = f"Reminder: your appointment {when} at {start:%H:%M}"
    body = (
        f"Dear {appointment.patient.first_name},\n\n"
        f"This is a reminder of your appointment at {location.name} {when}, "
        f"{start:%A %B %-d} at {start:%H:%M}.\n"
        + (f"Address: {location.address}\n" if location.address else "")
        + "\nIf you need to change the time, please call us"
        + (f" on {location.phone}" if location.phone else "")
        + ".\n\n"
        + f"{settings.CLINIC_NAME}\n"
    )
    return subject, body


def send_reminder(*, appointment_id: int, now: datetime.datetime | None = None) -> bool:
    """Send the reminder of one appointment at most once; True if sent now."""
    now = now or timezone.now()
    claimed = Appointment.objects.filter(
        pk=appointment_id,
        status=Appointment.Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
    ).update(reminder_sent_at=now)
    if not claimed:
        return False
    appointment = Appointment.objects.select_related("patient", "location").get(pk=appointment_id)
    if not appointment.patient.email:
        log.info("appointment %s: no email address, no reminder", appointment_id)
        return False
    subject, body = reminder_text(appointment, now)
    try:
        send_mail(subject, body, None, [appointment.patient.email])
    except Exception:
        # Not sent: release the claim so the next sweep tries again.
        Appointment.objects.filter(pk=appointment_id).update(reminder_sent_at=None)
        log.exception("appointment %s: reminder not sent", appointment_id)
        raise
    log.info("appointment %s: reminder sent", appointment_id)
    return True


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return sum(send_reminder(appointment_id=i, now=now) for i in appointments_to_remind(now=now))
