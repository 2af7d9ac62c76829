"""Aftercare advice given to the patient (REFERENCE.md), printed or emailed (with the
patient's summary, ``reports.summary_email``)."""

from __future__ import annotations

from django.conf import settings

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
