"""Consent: the patient reads the text and signs on the pad; withdrawal; the signature image."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from charting.reports.requests import request_consent_pdf
from clinic.access import role_required
from clinic.forms import show_on_form
from clinic.roles import CLINICAL_ROLES
from planning.access import get_visit_for
from planning.models import PlanStatus
from planning.screening import screening_state

from ..access import get_consent_for
from ..consent import consent_areas, consent_in_force, record_consent, withdraw_consent
from ..errors import ChartingError
from ..forms import ConsentForm, WithdrawForm
from ..models import Consent, ConsentText
from .chart import signature_png


@role_required(*CLINICAL_ROLES)
def consent(request, visit_id: int):
    visit = get_visit_for(request.user, visit_id)  # query: visit and people
    current = consent_in_force(visit=visit)  # query: consent in force
    plan = (
        visit.plans.select_related("product")
        .order_by("-finalized_at", "-created_at")
        .filter(status=PlanStatus.FINAL)
        .first()
    )  # query: the final plan the consent names
    text = ConsentText.objects.current()  # query: the current consent text
    history = list(
        Consent.objects.for_visit(visit)
        .exclude(pk=getattr(current, "pk", None))
        .select_related("withdrawn_by")
    )  # query: withdrawn consents
    form = ConsentForm(request.POST or None, initial={"signed_name": visit.patient.full_name})
    if request.method == "POST" and current is not None:  # a double submit, a second tab
        messages.info(request, "The consent is already signed; it is stored once.")
        return redirect("charting:chart", visit_id=visit.pk)
    if request.method == "POST" and current is None and plan and text and form.is_valid():
        try:
            signed = record_consent(
                visit=visit,
                plan=plan,
                consent_text=text,
                signed_name=form.cleaned_data["signed_name"],
                signature_data_url=form.cleaned_data["signature"],
                by=request.user,
            )
        except ChartingError as exc:
            show_on_form(form, exc)
        else:
            # The consent PDF is rendered in the background once this commits.
            request_consent_pdf(consent_id=signed.pk, by=request.user)
            messages.success(request, "Consent signed.")
            return redirect("charting:chart", visit_id=visit.pk)
    areas, off_label = consent_areas(plan=plan) if plan else ([], [])  # 2 queries
    return render(
        request,
        "charting/consent.html",
        {
            "visit": visit,
            "screening": screening_state(visit=visit),
            "step": "consent",
            "consent": current,
            "plan": plan,
            "text": text,
            "areas": areas,
            "off_label": off_label,
            "form": form,
            "withdraw_form": WithdrawForm(),
            "history": history,
        },
        status=422 if form.errors else 200,
    )


@role_required(*CLINICAL_ROLES)
@require_POST
def withdraw(request, consent_id: int):
    consent = get_consent_for(request.user, consent_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the consent is withdrawn.")
    else:
        try:
            withdraw_consent(consent=consent, reason=form.cleaned_data["reason"], by=request.user)
        except ChartingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Consent withdrawn; it stays on record.")
    return redirect("charting:consent", visit_id=consent.visit_id)


@role_required(*CLINICAL_ROLES)
def signature(request, consent_id: int):
    return signature_png(get_consent_for(request.user, consent_id))
