"""The demo's pre-visit intake (issue 20): the next booked consultation's patient has
sent the form (invented answers, no selfie), so the injector's screening of that
visit shows it pre-filled and marked patient-reported. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from clinic import intake_links
from clinic.models import Appointment, User

from .intake import IntakeAnswers, submit_intake
from .models import PatientIntake
from .screening_questions import QUESTIONS


def seed(out) -> None:
    if PatientIntake.objects.exists():
        return
    now = timezone.now()
    appointment = (
        Appointment.objects.filter(
            kind=Appointment.Kind.CONSULTATION, status=Appointment.Status.BOOKED, starts_at__gt=now
        )
        .select_related("patient", "location")
        .order_by("starts_at")
        .first()
    )  # the soonest consultation ahead: its patient filled the form at home
    if appointment is None:
        out.write("planning: no booked consultation ahead for the demo intake\n")
        return
    desk = User.objects.filter(email="frontdesk@demo.clinic").first()
    new = intake_links.create_link(appointment=appointment, by=desk, now=now)
    answers = {q.code: q.code == "recent_toxin" for q in QUESTIONS}
    submit_intake(
        link=new.link,
        data=IntakeAnswers(
            answers=answers,
            medicines="None",
            bothers=("frown", "eyes_r"),
            bothers_text="The frown line makes me look tired; my right eye creases more.",
            keep=("brows",),
            keep_text="I like my brows where they are.",
            consent_read=True,
        ),
        now=now,
    )
    day = appointment.local_start
    out.write(f"planning: a demo intake sent for the consultation of {day:%b %d %H:%M}\n")
