from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import id_from, role_required
from clinic.roles import CLINICAL_ROLES

from .. import intake as patient_intake
from ..access import get_visit_for
from ..forms import AcknowledgeForm, OutsideDoseForm, ScreeningForm
from ..models import OutsideDose, Screening
from ..models.locking import locked_message
from ..outside_doses import record_outside_dose
from ..screening import (
    acknowledge,
    confirm_no_change,
    outcome_text,
    product_restrictions,
    record_screening,
    screening_state,
)


def _pending(visit):
    """The patient's intake waiting for this visit's screening (one query; none for a
    signed visit)."""
    return None if visit.is_locked else patient_intake.pending_intake_for(visit=visit)


def _intake_context(pending, state) -> dict:
    """The patient's intake beside the screening: pending (pre-filled, marked
    patient-reported) or the one the current screening confirmed (both answers)."""
    intake = pending or patient_intake.confirmed_intake_for(screening=state.current)
    if intake is None:
        return {"intake": None}
    return {
        "intake": intake,
        "intake_pending": pending is not None,
        "intake_rows": patient_intake.rows(intake),
        "intake_bothers": patient_intake.area_names(intake.bothers),
        "intake_keep": patient_intake.area_names(intake.keep),
        "intake_selfie": patient_intake.selfie_thumbnail_uri(intake),
    }


def _form(data, pending):
    """The screening form, pre-filled from the patient's pending intake if any."""
    if data is None and pending is not None:
        initial = {f"q_{code}": "yes" if value else "no" for code, value in pending.answers.items()}
        initial |= {"allergies": pending.allergies, "medicines": pending.medicines}
        return ScreeningForm(initial=initial)
    return ScreeningForm(data)


_ASK = object()


def _render(request, visit, form, ack_form=None, status=200, outside_form=None, pending=_ASK):
    state = screening_state(visit=visit)
    pending = _pending(visit) if pending is _ASK else pending
    return render(
        request,
        "planning/screening.html",
        {
            "visit": visit,
            "screening": state,
            **_intake_context(pending, state),
            "form": form,
            "ack_form": ack_form or AcknowledgeForm(),
            "outside_form": outside_form or OutsideDoseForm(),
            # query: toxin the patient had elsewhere (patient-reported)
            "outside_doses": list(
                OutsideDose.objects.filter(patient_id=visit.patient_id).select_related("product")
            ),
            "step": "screening",
        },
        status=status,
    )


@role_required(*CLINICAL_ROLES)
def screening(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)
    pending = _pending(visit)
    form = _form(request.POST or None, pending)
    if request.method == "POST":
        if visit.is_locked:
            messages.error(request, locked_message("screening"))
            return redirect("planning:screening", visit_id=visit.pk)
        if form.is_valid():
            shown = (
                pending if str(getattr(pending, "pk", "")) == request.POST.get("intake") else None
            )
            try:  # an intake not on screen when the form was filled stays pending
                result = patient_intake.screen_with_intake(
                    visit=visit,
                    by=request.user,
                    intake=shown,
                    record=record_screening,
                    answers=form.answers(),
                    allergies=form.cleaned_data["allergies"],
                    medicines=form.cleaned_data["medicines"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:  # signed in another tab meanwhile
                messages.error(request, " ".join(exc.messages))
                return redirect("planning:screening", visit_id=visit.pk)
            # Some products blocked: a warning, not a green "saved: clear".
            say = messages.warning if product_restrictions(result) else messages.success
            checked = " The patient's answers are checked; both are kept." if shown else ""
            say(request, f"Screening saved: {outcome_text(result)}.{checked}")
            return redirect("planning:screening", visit_id=visit.pk)
        return _render(request, visit, form, status=400, pending=pending)
    return _render(request, visit, form, pending=pending)


@role_required(*CLINICAL_ROLES)
@require_POST
def confirm(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)
    previous = get_object_or_404(
        Screening.objects.select_related("visit"),
        pk=id_from(request.POST.get("previous")),
        visit__patient_id=visit.patient_id,
    )
    try:
        result = confirm_no_change(visit=visit, by=request.user, previous=previous)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Earlier screening confirmed: no change. {outcome_text(result)}."
        )
    return redirect("planning:screening", visit_id=visit.pk)


@role_required(*CLINICAL_ROLES)
@require_POST
def acknowledge_warnings(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)
    state = screening_state(visit=visit)
    form = AcknowledgeForm(request.POST)
    if state.current is None:
        messages.error(request, "Screen the patient first.")
        return redirect("planning:screening", visit_id=visit.pk)
    if form.is_valid():
        try:
            acknowledge(screening=state.current, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Warnings acknowledged.")
        return redirect("planning:screening", visit_id=visit.pk)
    return _render(request, visit, ScreeningForm(), ack_form=form, status=400)


@role_required(*CLINICAL_ROLES)
@require_POST
def outside_dose(request, visit_id: int):
    """Record toxin the patient had elsewhere; it counts in the interval and ceiling."""
    visit = get_visit_for(request.user, visit_id)
    form = OutsideDoseForm(request.POST)
    if form.is_valid():
        try:
            record_outside_dose(
                patient=visit.patient,
                by=request.user,
                today=timezone.localdate(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)  # each message at its field
        else:
            messages.success(
                request,
                "Toxin from elsewhere recorded: it counts in the interval and the ceiling. "
                "Screen again if the answers change.",
            )
            return redirect("planning:screening", visit_id=visit.pk)
    return _render(request, visit, ScreeningForm(), outside_form=form, status=400)
