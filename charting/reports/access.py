"""Who may see a report job: one helper, used by every reports view.

Clinical roles (injector, clinic admin) may open the reports of a patient; the
clinic-wide export is the clinic admin's alone. The front desk gets none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from clinic.access import require_role
from clinic.models import Patient
from clinic.roles import CLINICAL_ROLES, Role
from planning.models import Visit

from .models import CLINIC_KINDS, FHIR_KINDS, Kind, ReportJob

EXPORT_ROLES = frozenset({Role.ADMIN})


def may_export_clinic(user) -> bool:
    return user.is_authenticated and user.has_role(*EXPORT_ROLES)


NOT_TREATING = (
    "Only the clinic admin and an injector who treats this patient may export the patient's record."
)


def may_export_patient(user, patient_id: int) -> bool:
    """The structured export of a patient's record (FHIR): the clinic admin, or an
    injector who treats the patient (the injector of one of the patient's visits)."""
    if not user.is_authenticated:
        return False
    if may_export_clinic(user):
        return True
    return (
        user.has_role(Role.INJECTOR)
        and Visit.objects.filter(patient_id=patient_id, injector=user).not_cancelled().exists()
    )


def get_patient_for_fhir(user, patient_id: int) -> Patient:
    """The patient whose record ``user`` may export as FHIR, or 404 / 403."""
    require_role(user, CLINICAL_ROLES)
    patient = get_object_or_404(Patient.objects.select_related("home_location"), pk=patient_id)
    if not may_export_patient(user, patient.pk):
        raise PermissionDenied(NOT_TREATING)
    return patient


get_patient_for_record = get_patient_for_fhir  # the complete record: the same people

ONLY_ADMIN_COPY = "Only the clinic admin may make or download the patient's copy of the record."


def may_give_copy(user) -> bool:
    """The patient's copy (right of access) is made, downloaded and logged by the admin."""
    return may_export_clinic(user)


def get_job_for(user, job_id: int) -> ReportJob:
    require_role(user, CLINICAL_ROLES)
    job = get_object_or_404(ReportJob.objects.for_lists(), pk=job_id)
    if job.kind in CLINIC_KINDS and not may_export_clinic(user):
        raise PermissionDenied("Only a clinic admin may open the clinic-wide export.")
    if job.kind in (*FHIR_KINDS, Kind.RECORD) and not may_export_patient(user, job.patient_id):
        raise PermissionDenied(NOT_TREATING)
    if job.kind == Kind.PATIENT_COPY and not may_give_copy(user):
        raise PermissionDenied(ONLY_ADMIN_COPY)
    return job
