"""Celery tasks of the clinic app: thin, idempotent, and they take ids."""

from __future__ import annotations

from celery import shared_task

from . import once, patient_import, reminders


@shared_task(name="clinic.send_appointment_reminders")
def send_appointment_reminders() -> int:
    """Beat runs this every 30 minutes; each appointment is reminded at most once."""
    return reminders.send_due_reminders()


@shared_task(name="clinic.send_appointment_reminder")
def send_appointment_reminder(appointment_id: int) -> bool:
    return reminders.send_reminder(appointment_id=appointment_id)


@shared_task(name="clinic.forget_old_submits")
def forget_old_submits() -> int:
    """Beat runs this daily: the double-submit guard's claims older than a week go, and
    patient lists uploaded and never imported (``patient_import.KEEP``)."""
    patient_import.forget_old_imports()
    return once.forget_old_submits()
