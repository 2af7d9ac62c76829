"""The patient page, composed from every floor: the clinic's details and
appointments for every role; for clinical roles, planning's visits and the
reports card. And the one way from an appointment into its clinical visit."""

from __future__ import annotations

from django.shortcuts import redirect, render

from clinic.access import get_appointment_for, get_patient_for, may_see_clinical, role_required
from clinic.models import Appointment
from clinic.patient_appointments import recent_appointment_rows
from clinic.roles import CLINICAL_ROLES, Role
from planning.visits import recent_visit_rows

from ..reviews.models import NextStep


@role_required(*Role.values)
def patient_detail(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)  # query: the patient, home location
    context = {
        "patient": patient,
        # query: the latest appointments (times, kinds, people), as plain values
        "appointment_rows": recent_appointment_rows(patient=patient),
        "clinical": may_see_clinical(request.user),
        # query: the staged next steps to book (the desk sees kind and date only)
        "next_steps": list(NextStep.objects.for_patient(patient).to_book().order_by("due_on")),
    }
    if context["clinical"]:
        # query: visits with their screening outcomes, as plain values, drawn as one fragment
        context["visit_rows"] = recent_visit_rows(patient=patient)
    return render(request, "charting/patient_detail.html", context)


@role_required(*CLINICAL_ROLES)
def open_appointment(request, appointment_id: int):
    """ "Open visit" from the day, my day or an appointment: a review opens its review
    page; any other visit starts from the patient's page."""
    appointment = get_appointment_for(request.user, appointment_id)
    if appointment.kind in (Appointment.Kind.REVIEW, Appointment.Kind.TOUCH_UP):
        return redirect("reviews:open_for_appointment", appointment_id=appointment.pk)
    return redirect("patient_detail", patient_id=appointment.patient_id)
