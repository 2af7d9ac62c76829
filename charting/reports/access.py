"""Who may see a report job: one helper, used by every reports view.

Clinical roles (injector, clinic admin) may open the reports of a patient; the
clinic-wide export is the clinic admin's alone. The front desk gets none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from clinic.access import require_role
from clinic.roles import CLINICAL_ROLES, Role

from .models import Kind, ReportJob

EXPORT_ROLES = frozenset({Role.ADMIN})


def may_export_clinic(user) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_ROLES)


def get_job_for(user, job_id: int) -> ReportJob:
    require_role(user, CLINICAL_ROLES)
    job = get_object_or_404(ReportJob.objects.for_lists(), pk=job_id)
    if job.kind == Kind.HISTORY_EXPORT and not may_export_clinic(user):
        raise PermissionDenied("Only a clinic admin may open the clinic-wide export.")
    return job
