"""Reminders the day before: one email per appointment, nothing clinical in it."""

import datetime
import re

import pytest
from django.core import mail

from clinic import reminders, tasks
from clinic.models import Appointment
from clinic.slots import local_today
from tests.factories import PatientFactory, at, make_appointment

pytestmark = pytest.mark.django_db

CLINICAL_WORDS = re.compile(
    r"botox|toxin|botulinum|unit|inject|treatment|review|touch-up|muscle|dose|plan|consult",
    re.IGNORECASE,
)


@pytest.fixture
def tomorrow_at_ten(location, injector):
    patient = PatientFactory(first_name="Rosa", last_name="Quill", email="rosa@example.com")
    day = local_today(location) + datetime.timedelta(days=1)
    return make_appointment(
        patient=patient,
        injector=injector,
        kind=Appointment.Kind.TREATMENT,
        starts_at=at(location, day, "10:00"),
    )


def evening_before(location):
    return at(location, local_today(location), "18:00")


def test_the_task_run_twice_sends_one_email(tomorrow_at_ten):
    tasks.send_appointment_reminder.apply(args=[tomorrow_at_ten.pk])
    tasks.send_appointment_reminder.apply(args=[tomorrow_at_ten.pk])
    assert len(mail.outbox) == 1
    tomorrow_at_ten.refresh_from_db()
    assert tomorrow_at_ten.reminder_sent_at is not None


def test_the_sweep_run_twice_sends_one_email(tomorrow_at_ten, location):
    now = evening_before(location)
    assert reminders.send_due_reminders(now=now) == 1
    assert reminders.send_due_reminders(now=now) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rosa@example.com"]


def test_the_message_names_place_and_time_and_nothing_clinical(tomorrow_at_ten, location):
    reminders.send_due_reminders(now=evening_before(location))
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}"
    assert "tomorrow at 10:00" in text and location.name in text and "Rosa" in text
    assert not CLINICAL_WORDS.search(text), CLINICAL_WORDS.findall(text)


def test_no_reminder_in_the_night_nor_for_cancelled_or_later_days(
    tomorrow_at_ten, location, injector
):
    early = at(location, local_today(location), "06:00")
    assert reminders.send_due_reminders(now=early) == 0
    make_appointment(
        patient=PatientFactory(email="x@example.com"),
        injector=injector,
        starts_at=at(location, local_today(location) + datetime.timedelta(days=2), "10:00"),
    )
    tomorrow_at_ten.status = Appointment.Status.CANCELLED
    tomorrow_at_ten.cancel_reason = "Unwell"
    tomorrow_at_ten.save()
    assert reminders.send_due_reminders(now=evening_before(location)) == 0
    assert mail.outbox == []


def test_a_patient_without_email_is_skipped_once(location, injector):
    patient = PatientFactory(email="")
    make_appointment(
        patient=patient,
        injector=injector,
        starts_at=at(location, local_today(location) + datetime.timedelta(days=1), "11:00"),
    )
    assert reminders.send_due_reminders(now=evening_before(location)) == 0
    assert reminders.appointments_to_remind(now=evening_before(location)) == []


def test_beat_runs_the_sweep():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE["appointment-reminders"]
    assert schedule["task"] == tasks.send_appointment_reminders.name


def test_a_started_appointment_gets_no_reminder(location, injector):
    from django.utils import timezone

    started = make_appointment(
        patient=PatientFactory(email="late@example.com"),
        injector=injector,
        starts_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    assert reminders.send_reminder(appointment_id=started.pk) is False
    assert mail.outbox == []
    started.refresh_from_db()
    assert started.reminder_sent_at is None
