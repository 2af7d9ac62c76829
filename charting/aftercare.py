"""Aftercare advice given to the patient (REFERENCE.md), printed or emailed."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from .errors import ChartingError
from .models import Treatment

AFTERCARE = [
    "Stay upright for about four hours.",
    "No strenuous exercise until the next day.",
    "No massage, facials or pressure on the treated areas for about a day.",
    "Make-up is fine after a few hours.",
    "Bruises fade in a few days.",
    "For a headache or swelling, paracetamol and ice help.",
    "The effect shows in a few days and peaks at two weeks.",
    "Come to your two-week review.",
]
URGENT = (
    "Call the clinic at once if an eyelid droops, or if you have trouble swallowing, "
    "speaking or breathing."
)


def aftercare_context(*, treatment: Treatment, timeline=()) -> dict:
    """``timeline``: what to expect, when (``reports.patient_summary.timeline_for_treatment``,
    given by the page, which sits above the reports)."""
    return {
        "treatment": treatment,
        "patient": treatment.visit.patient,
        "location": treatment.visit.location,
        "advice": AFTERCARE,
        "urgent": URGENT,
        "clinic_name": settings.CLINIC_NAME,
        "timeline": list(timeline),
    }


def email_aftercare(*, treatment: Treatment, timeline=()) -> str:
    """Send the aftercare advice (and the timeline, when given) to the patient's email;
    returns the address used."""
    patient = treatment.visit.patient
    if not patient.email:
        raise ChartingError("The patient has no email address: print the advice instead.")
    context = aftercare_context(treatment=treatment, timeline=timeline)
    send_mail(
        subject=f"Aftercare for your treatment at {settings.CLINIC_NAME}",
        message=render_to_string("charting/aftercare_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[patient.email],
    )
    return patient.email
