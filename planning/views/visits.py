from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import get_patient_for, role_required
from clinic.roles import CLINICAL_ROLES

from ..access import get_visit_for
from ..models import Observation
from ..screening import screening_state
from ..visits import start_consultation


@role_required(*CLINICAL_ROLES)
@require_POST
def start(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)
    location = request.location.get() or patient.home_location
    if location is None:
        messages.error(request, "Choose the location you work at before starting a visit.")
        return redirect(patient)
    visit = start_consultation(
        patient=patient, injector=request.user, location=location, by=request.user
    )
    return redirect("planning:visit_detail", visit_id=visit.pk)


@role_required(*CLINICAL_ROLES)
def visit_detail(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)  # query: visit, patient, location, injector
    state = screening_state(visit=visit)  # 1-2 queries
    observed = Observation.objects.filter(movement_map__visit=visit).count()  # query: cells
    photo_count = visit.photos.count()  # query: photos
    return render(
        request,
        "planning/visit_detail.html",
        {
            "visit": visit,
            "screening": state,
            "observed": observed,
            "photo_count": photo_count,
            "step": "visit",
        },
    )
