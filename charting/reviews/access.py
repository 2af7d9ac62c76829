"""Object access for the review pages: one helper per kind (clinical roles only)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from clinic.access import require_role
from clinic.models import Appointment
from clinic.roles import CLINICAL_ROLES, Role

from .models import NextStep, Review


def get_review_for(user, review_id: int) -> Review:
    """The review with its visit, people, treatment and touch-up (one query)."""
    require_role(user, CLINICAL_ROLES)
    return get_object_or_404(Review.objects.for_pages().select_related("touch_up"), pk=review_id)


def get_review_appointment_for(user, appointment_id: int) -> Appointment:
    require_role(user, CLINICAL_ROLES)
    return get_object_or_404(Appointment.objects.for_pages(), pk=appointment_id)


def get_next_step_for(user, step_id: int):
    """A next step with its review, visit, patient and injector (clinical roles; one
    query). The front desk reaches steps only through ``get_next_step_to_book_for``."""
    require_role(user, CLINICAL_ROLES)
    return get_object_or_404(
        NextStep.objects.select_related(
            "patient",
            "recorded_by",
            "review__visit__location",
            "review__treatment__product",
        ),
        pk=step_id,
    )


def get_next_step_to_book_for(user, step_id: int):
    """A next step for booking: any staff role, without its detail (one query)."""
    require_role(user, Role.values)
    return get_object_or_404(
        NextStep.objects.select_related("patient").only(
            "id", "kind", "due_on", "status", "patient__first_name", "patient__last_name"
        ),
        pk=step_id,
    )
