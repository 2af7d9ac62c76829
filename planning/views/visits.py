from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clinic.access import get_patient_for, role_required
from clinic.roles import CLINICAL_ROLES, Role

from ..access import get_visit_for
from ..forms import NotTreatedForm
from ..models import Observation
from ..not_treated import record_not_treated
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


@role_required(*CLINICAL_ROLES)
def not_treated(request, visit_id: int):
    """Record "not treated today" with its reason (the injector; planning.not_treated)."""
    visit = get_visit_for(request.user, visit_id)  # query: visit, people, outcome
    form = NotTreatedForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_role(Role.INJECTOR):
            raise PermissionDenied("An injector records that the patient is not treated.")
        if form.is_valid():
            try:
                record_not_treated(visit=visit, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Recorded: not treated today.")
                return redirect("planning:visit_detail", visit_id=visit.pk)
    status = 400 if form.errors else 200
    return render(
        request, "planning/not_treated.html", {"visit": visit, "form": form}, status=status
    )
