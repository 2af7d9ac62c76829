"""The charted treatment in the reports: the treatment (injections,
lots, dilution and volumes, wasted units, adverse events, aftercare, signature,
addenda) and the signed consent.

Injection-map reports are made from **signed** treatments only: an unsigned
chart is refused when asked for and again when rendered (no DRAFT copies
leave the clinic). A signed treatment whose seal verifies on this read has its map
laid out once and kept by the worker (``history_pages.kept_injection_map``), the
time of making drawn over it on every read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.db.models import Prefetch

from charting.models import Addendum, AdverseEvent, Consent, Injection, Treatment
from charting.reviews.models import Finding, SideEffect
from charting.seal import SealState, as_signed, checked, consent_at_signing, signed_consent
from planning.dosing import departures, volume_ml
from planning.models import InjectionPoint, PlanKeep

from .diagram import face_svg
from .errors import ReportRefused
from .rendering import RenderedPdf, base_context, render_pdf
from .review_section import related, review_summary
from .totals import totals_of

NOT_SIGNED = (
    "This treatment is not signed yet: sign the chart first. "
    "Injection-map reports are made from signed treatments only."
)


def with_rows():
    """Treatments with everything their report shows (11 queries): the treatment
    (visit, product, plan, signer, its review and touch-up joined), injections,
    adverse events, addenda, the review's findings, side effects, touch-up injections,
    the final plan's points, the visit's consents, the touch-up's adverse events and
    its visit's consents (its seal is checked too)."""
    injections = Injection.objects.select_related("muscle", "vial__lot").order_by("order", "id")
    return Treatment.objects.select_related(
        "visit__patient",
        "visit__location",
        "visit__injector",
        "product",
        "plan",
        "signed_by",
        "review__visit",
        "review__signed_by",
        "review__touch_up__signed_by",
        "review__touch_up__visit",
        "touch_up_of__treatment__visit",
    ).prefetch_related(
        Prefetch("injections", queryset=injections),
        Prefetch("adverse_events", queryset=AdverseEvent.objects.select_related("recorded_by")),
        Prefetch("addenda", queryset=Addendum.objects.select_related("created_by")),
        Prefetch("review__findings", queryset=Finding.objects.select_related("muscle")),
        Prefetch("review__side_effects", queryset=SideEffect.objects.select_related("muscle")),
        Prefetch("review__touch_up__injections", queryset=injections),
        # what the touch-up's seal covers besides its injections
        "review__touch_up__adverse_events",
        Prefetch(
            "review__touch_up__visit__consents",
            queryset=Consent.objects.select_related("consent_text"),
        ),
        # the final plan's points, for where the chart departs from it
        Prefetch("plan__points", queryset=InjectionPoint.objects.select_related("muscle")),
        # the segments the plan kept (spared), hatched on the diagram (planning.keeps)
        Prefetch("plan__keeps", queryset=PlanKeep.objects.select_related("muscle")),
        # the visit's consents: the signature is checked over the stored values
        Prefetch("visit__consents", queryset=Consent.objects.select_related("consent_text")),
    )


def summary(treatment: Treatment) -> dict:
    """One treatment as the PDFs show it."""
    injections = list(treatment.injections.all())
    planned = list(treatment.plan.points.all()) if treatment.plan_id else []
    kept = list(treatment.plan.keeps.all()) if treatment.plan_id else []
    seal_state = None
    if treatment.is_signed:  # checked over the stored values on every report
        seal_state = checked(
            treatment=treatment,
            injections=injections,
            adverse_events=list(treatment.adverse_events.all()),
            consents=list(treatment.visit.consents.all()),
            where="report",
        )
        # What was signed is what is shown: names as they were at signing.
        as_signed(treatment=treatment, injections=injections, points=planned)
    vials = {}
    for injection in injections:
        vial = injection.vial
        if vial is not None:
            injection.volume = volume_ml(injection.units, vial.vial_units, vial.diluent_ml)
            vials[vial.pk] = vial
        else:
            plan = treatment.plan
            injection.volume = volume_ml(injection.units, plan.vial_units, plan.diluent_ml)
    total_volume = sum((i.volume for i in injections), start=0)
    adverse_events = list(treatment.adverse_events.all())
    return {
        "treatment": treatment,
        "product": treatment.product,
        "injections": injections,
        "vials": sorted(vials.values(), key=lambda v: (v.lot.number, v.pk)),
        "total_volume": total_volume,
        "adverse_events": adverse_events,
        "seal_ok": None if seal_state is None else seal_state is not SealState.MISMATCH,
        "seal_unkeyed": seal_state is SealState.UNKEYED,
        "addenda": list(treatment.addenda.all()),
        # numbered as the injections table numbers its rows (issue 17, finding 9)
        "diagram": face_svg(
            points=injections, diagram_id=f"treatment-{treatment.pk}", numbered=True, kept=kept
        ),
        "review": review_summary(treatment),
        # where the chart departs from its final plan, and the dose checks as signed
        "departures": departures(planned=planned, given=injections)
        if related(treatment, "touch_up_of") is None
        else [],
        "dose_findings": treatment.dose_findings,
        **totals_of(injections),
    }


def attach(entries) -> None:
    """Add each visit's signed treatment, and the signed review of it with its
    touch-up, to its history entry (8 queries however many). A touch-up is no treatment of
    the review visit's own: it is shown with the treatment it finishes."""
    by_visit = {c.visit.pk: c for c in entries}
    if not by_visit:
        return
    for treatment in with_rows().filter(visit_id__in=list(by_visit)):
        entry = by_visit[treatment.visit_id]
        review_of = related(treatment, "touch_up_of")
        if review_of is not None:
            entry.touch_up_of = review_of.treatment.visit
        elif treatment.is_signed:
            entry.treatment = summary(treatment)
            entry.review = entry.treatment["review"]
            # The review's own visit says where its findings are (else its heading
            # would print with nothing under it when no touch-up was given).
            reviewed_at = by_visit.get(entry.review["review"].visit_id) if entry.review else None
            if reviewed_at is not None:
                reviewed_at.touch_up_of = treatment.visit
        else:
            entry.unsigned_treatment = True


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def consent_pdf(*, consent_id: int, progress: Callable[[int], None]) -> RenderedPdf:
    consent = Consent.objects.select_related(
        "visit__patient", "visit__location", "visit__injector", "consent_text", "witnessed_by"
    ).get(pk=consent_id)
    progress(30)
    context = {
        "patient": consent.visit.patient,
        "visit": consent.visit,
        "consent": consent,
        "paragraphs": [p.strip() for p in consent.text_shown.split("\n\n") if p.strip()],
        "signature": _data_url(consent.signature_png),
    }
    progress(50)
    return render_pdf(template="pdf/consent.html", context=context)


def injection_map_pdf(
    *,
    treatment_id: int,
    progress: Callable[[int], None],
    kept: Callable[..., RenderedPdf] | None = None,
) -> RenderedPdf:
    """The injection map of a signed treatment. ``kept``: how a map whose seal verifies
    on this read is kept (``history_pages.kept_injection_map``, which the worker passes:
    ``documents.render_injection_map``); without it, or when a seal fails, laid out
    whole."""
    treatment = with_rows().get(pk=treatment_id)
    if not treatment.is_signed:
        raise ReportRefused(NOT_SIGNED)
    # The consent in force when the chart was signed (a later withdrawal is a later event).
    consent = consent_at_signing(
        list(
            Consent.objects.for_visit(treatment.visit_id).select_related(
                "witnessed_by", "withdrawn_by"
            )
        ),
        treatment.signed_at,
    )
    progress(30)
    context = {
        "patient": treatment.visit.patient,
        "visit": treatment.visit,
        "consent": consent,
        "signed_consent": signed_consent(treatment),
        "t": summary(treatment),
    }
    progress(50)
    review = context["t"]["review"]
    verifying = context["t"]["seal_ok"] is True and not (
        review and review.get("touch_up_seal_ok") is False
    )
    if kept is None or not verifying:
        # A seal that fails (or a touch-up's) is printed from a live layout, never kept.
        return render_pdf(template="pdf/injection_map.html", context=context)
    return kept(
        template="pdf/injection_map.html",
        context={**base_context(), **context},
        treatment_id=treatment.pk,
    )
