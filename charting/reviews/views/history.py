"""A patient's treatment history across cycles, with next cycle's suggestion."""

from __future__ import annotations

from django.shortcuts import render

from clinic.access import get_patient_for, require_role, role_required
from clinic.roles import CLINICAL_ROLES

from ..cycles import history


@role_required(*CLINICAL_ROLES)
def patient_history(request, patient_id: int):
    require_role(request.user, CLINICAL_ROLES)
    patient = get_patient_for(request.user, patient_id)  # query: the patient
    products = history(patient=patient)  # 5 queries (reviews.cycles.cycles_for)
    return render(request, "reviews/history.html", {"patient": patient, "products": products})
