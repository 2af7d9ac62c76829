"""Who may open what: one place for every access rule of the pages.

Views declare their roles with ``@role_required``; the role-matrix test walks
every URL pattern and reads ``allowed_roles`` back, so a page without a
declaration fails the suite. Object access goes through one ``get_*_for``
helper per object kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Appointment, Patient, User, WaitlistEntry
from .roles import CLINICAL_ROLES, Role


def role_required(*roles: str) -> Callable:
    allowed = frozenset(roles)
    if not allowed or not allowed <= set(Role.values):
        raise ValueError(f"Unknown roles: {roles}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.has_role(*allowed):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


def require_role(user, roles: Iterable[str]) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied("Your role does not give access to this page.")


def may_see_clinical(user) -> bool:
    return user.is_authenticated and user.has_role(*CLINICAL_ROLES)


def get_patient_for(user, patient_id: int) -> Patient:
    """Any staff role may open a patient's demographics; clinical pages check more."""
    require_role(user, Role.values)
    return get_object_or_404(Patient.objects.select_related("home_location"), pk=patient_id)


def injectors():
    """Active users with the injector role, for choices and calendar columns."""
    return User.objects.filter(is_active=True, groups__name=Role.INJECTOR).distinct()


def get_appointment_for(user, appointment_id: int) -> Appointment:
    """Any staff role may open an appointment: it holds names, times and kinds only."""
    require_role(user, Role.values)
    return get_object_or_404(Appointment.objects.for_pages(), pk=appointment_id)


# The waitlist is the desk's: front desk and clinic admin (names, kinds, times only).
WAITLIST_ROLES = frozenset({Role.FRONT_DESK, Role.ADMIN})


def get_waitlist_entry_for(user, entry_id: int) -> WaitlistEntry:
    require_role(user, WAITLIST_ROLES)
    return get_object_or_404(WaitlistEntry.objects.for_pages(), pk=entry_id)


def id_from(value) -> int:
    """A posted or queried object id as an int; 0 (no such row) when it is not one."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else 0
