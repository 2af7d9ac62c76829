"""Which treatment a review appointment or a due review follows."""

from __future__ import annotations

from charting.models import DueReview, Treatment
from clinic.models import Appointment

from .errors import ReviewError


def treatment_for_due(*, due: DueReview) -> Treatment:
    """The signed treatment whose review ``due`` is."""
    treatment = Treatment.objects.signed().filter(pk=due.treatment_id).first()
    if treatment is None:
        raise ReviewError("No signed treatment of this patient matches this review.")
    return treatment


def treatment_for_appointment(*, appointment: Appointment) -> Treatment:
    """The treatment a review appointment follows: the patient's latest signed main
    treatment before it that has no signed review yet."""
    if appointment.kind not in (Appointment.Kind.REVIEW, Appointment.Kind.TOUCH_UP):
        raise ReviewError("This appointment is not a review.")
    treatment = (
        Treatment.objects.signed()
        .filter(
            visit__patient=appointment.patient_id,
            started_at__lt=appointment.starts_at,
            touch_up_of__isnull=True,
        )
        .exclude(review__signed_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    if treatment is None:
        raise ReviewError(
            "This patient has no signed treatment awaiting review: chart and sign it first."
        )
    return treatment
