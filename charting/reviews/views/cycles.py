"""A patient's treatment history across cycles, with next cycle's suggestion."""

from __future__ import annotations

from django.shortcuts import render

from clinic.access import get_patient_for, role_required
from clinic.roles import CLINICAL_ROLES

from ..cycles import cycles_by_product, next_cycle_recall


@role_required(*CLINICAL_ROLES)
def patient_cycles(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)  # query: the patient
    products = cycles_by_product(patient=patient)  # 5 queries (reviews.cycles.cycles_for)
    recall = next_cycle_recall(products=products)  # 2 queries: the effect durations
    context = {"patient": patient, "products": products, "recall": recall}
    return render(request, "reviews/cycles.html", context)
