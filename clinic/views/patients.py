from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .. import once
from ..access import get_patient_for, role_required
from ..errors import RuleError
from ..forms import PatientForm, PatientSearchForm, show_on_form
from ..models import Patient
from ..patients import create_patient
from ..roles import Role
from ..search import ROW_FIELDS, patient_rows

PAGE_SIZE = 25
NEXT_LONGEST = 250  # fits the double-submit guard's stored address (FormSubmit.url)


@role_required(*Role.values)
def patient_list(request):
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.all()
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        if query:
            patients = patients.search(query)
        if not form.cleaned_data["inactive"]:
            patients = patients.active()
    else:
        patients = patients.active()
    page = Paginator(patients.values(*ROW_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query, "rows": patient_rows(page)}
    context["can_import"] = request.user.has_role(Role.ADMIN)  # charting's patient_import
    return render(request, "clinic/patient_list.html", context)


def booking_with(request, patient: Patient) -> str | None:
    """Back to the booking a new caller interrupted (``?next=`` from the booking's
    "New patient"), with the tapped day, time and injector, now for this patient.
    Only the booking page is a place to go back to."""
    target = request.GET.get("next", "")
    if len(target) > NEXT_LONGEST:  # a booking's own address is short; this one is not
        return None
    booking = reverse("appointment_book")
    if target.split("?", 1)[0] != booking or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return None
    return f"{target}{'&' if '?' in target else '?'}patient={patient.pk}"


@role_required(*Role.values)
def patient_create(request):
    form = PatientForm(request.POST or None)
    if request.method == "POST":
        try:
            with once.submit_once(request) as submit:
                if submit.earlier:  # a double submit lands on the patient the first saved
                    messages.info(request, "This patient was already saved; stored once.")
                    return redirect(submit.earlier)
                if form.is_valid():
                    data = {
                        k: v
                        for k, v in form.cleaned_data.items()
                        if k not in ("confirm_not_duplicate", once.FIELD)
                    }
                    patient = create_patient(data=data)
                    # back to an interrupted booking, else the patient (a repeat lands there too)
                    target = booking_with(request, patient) or patient.get_absolute_url()
                    submit.stored(target)
                    messages.success(
                        request, f"Patient {patient.full_name} saved as {patient.chart_number}."
                    )
                    return redirect(target)
        except RuleError as error:  # the form comes back filled in, with the message
            show_on_form(form, error)
    return render(request, "clinic/patient_form.html", {"form": form, "patient": None})


@role_required(*Role.values)
def patient_edit(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the change and its audit event, together
            form.save()
        messages.success(request, "Patient details saved.")
        return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "patient": patient})
