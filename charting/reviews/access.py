"""Object access for the review pages: one helper per kind (clinical roles only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from clinic.access import require_role
from clinic.models import Appointment
from clinic.roles import CLINICAL_ROLES

from .models import Review


def get_review_for(user, review_id: int) -> Review:
    """The review with its visit, people, treatment and touch-up (one query)."""
    require_role(user, CLINICAL_ROLES)
    return get_object_or_404(Review.objects.for_pages().select_related("touch_up"), pk=review_id)


def get_review_appointment_for(user, appointment_id: int) -> Appointment:
    require_role(user, CLINICAL_ROLES)
    return get_object_or_404(Appointment.objects.for_pages(), pk=appointment_id)
