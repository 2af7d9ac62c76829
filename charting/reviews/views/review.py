"""The review page: open it, grade residual movement, side effects, photos, sign."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from charting.access import get_due_review_for
from charting.errors import ChartingError
from charting.seal import MISMATCH_MESSAGE, report_mismatch, verify
from clinic.access import id_from, role_required
from clinic.fragments import render_fragment
from clinic.roles import CLINICAL_ROLES, Role
from planning.asymmetry import SCALE_SENTENCE, readings
from planning.models import Photo, Side
from planning.movement import latest_map

from ..access import get_review_appointment_for, get_review_for
from ..choices import Gais, Satisfaction, SideEffectKind
from ..errors import ReviewErrors
from ..opening import treatment_for_appointment, treatment_for_due
from ..review import add_side_effect, open_review, save_review, sign_review, signing_refusals
from ..screens import cycle_totals, measured_comparison, residual_grid, review_rows

CLINICAL = tuple(CLINICAL_ROLES)


def _open(request, *, find, patient):
    """Open (or find) the review; before day 10 the rule asks for the reason first, on a
    small form that posts back here (charting.review_timing)."""
    reason = request.POST.get("early_reason", "") if request.method == "POST" else ""
    try:
        treatment = find()
        review = open_review(
            treatment=treatment, by=request.user, patient=patient, early_reason=reason
        )
    except ChartingError as exc:
        if exc.field == "early_reason":
            context = {
                "patient": patient,
                "treatment": treatment,
                "message": exc.message,
                "reason": reason,
                "error": request.method == "POST",
            }
            status = 400 if request.method == "POST" else 200
            return render(request, "reviews/open_early.html", context, status=status)
        messages.error(request, exc.message)
        return redirect("patient_detail", patient.pk)
    return redirect(review)


@role_required(*CLINICAL)
def open_for_appointment(request, appointment_id: int):
    """From the day list: the review this appointment is for (opened on first use)."""
    appointment = get_review_appointment_for(request.user, appointment_id)
    return _open(
        request,
        find=lambda: treatment_for_appointment(appointment=appointment),
        patient=appointment.patient,
    )


@role_required(*CLINICAL)
def open_for_due(request, due_review_id: int):
    """From the reviews-due list: the review of that treatment."""
    due = get_due_review_for(request.user, due_review_id)
    return _open(request, find=lambda: treatment_for_due(due=due), patient=due.patient)


def _review_page(request, review, *, posted=None, errors=None, side_effect_errors=None, status=200):
    injections, touch_ups, findings, side_effects = review_rows(review)  # 4 queries
    movement_map, grid = residual_grid(
        review=review, injections=injections, findings=findings, posted=posted, errors=errors
    )  # 2 queries: the baseline map and its observations
    totals = cycle_totals(
        injections=injections, touch_ups=touch_ups, findings=findings, side_effects=side_effects
    )
    # query: the photos of the review, the treatment and the consultation with their
    # measurements (shown against the baseline; no rule reads them)
    measured = measured_comparison(review=review, movement_map=movement_map)
    context = {
        "measured": measured,
        "scale_sentence": SCALE_SENTENCE,
        "review": review,
        "visit": review.visit,
        "treatment": review.treatment,
        "baseline_map": movement_map,
        "grid": grid,
        "residual_rows": render_fragment("reviews/residual_rows.jinja", grid=grid),
        "totals": totals,
        "touch_ups": touch_ups,
        "side_effects": side_effects,
        "side_effect_kinds": SideEffectKind.choices,
        "treated_muscles": sorted({i.muscle for i in injections}, key=lambda m: m.order),
        "sides": Side.choices,
        "gais_choices": Gais.choices,
        "satisfaction_choices": Satisfaction.choices,
        "posted": posted,
        "errors": errors or {},
        "side_effect_errors": side_effect_errors or {},
        "version": review.version,
        "refusals": []
        if review.is_signed
        else signing_refusals(review=review, injections=injections, findings=findings),
        "may_sign": request.user.has_role(Role.INJECTOR) and not review.is_signed,
        "mismatch_message": MISMATCH_MESSAGE,
    }
    context["seal_mismatch"] = _seal_mismatch(review)
    return render(request, "reviews/review.html", context, status=status)


def _seal_mismatch(review) -> list:
    """The signed records the review shows (its treatment, its signed touch-up) whose
    stored values no longer match their signature (3 queries each), audited."""
    shown = [review.treatment, review.touch_up if review.touch_up_id else None]
    broken = [t for t in shown if t is not None and t.is_signed and not verify(t)]
    for treatment in broken:
        report_mismatch(treatment=treatment, where="review page")
    return broken


@role_required(*CLINICAL)
def review(request, review_id: int):
    review = get_review_for(request.user, review_id)
    if request.method != "POST":
        return _review_page(request, review)
    grades = {k[2:]: v for k, v in request.POST.items() if k.startswith("g:")}
    notes = {k[2:]: v for k, v in request.POST.items() if k.startswith("n:")}
    try:
        version = int(request.POST.get("version", "0"))
    except ValueError:
        version = 0
    try:
        save_review(
            review=review,
            version=version,
            grades=grades,
            notes=notes,
            gais=request.POST.get("gais"),
            satisfaction=request.POST.get("satisfaction"),
            note=request.POST.get("note", ""),
        )
    except ReviewErrors as exc:
        return _review_page(request, review, posted=request.POST, errors=exc.errors, status=400)
    except ChartingError as exc:
        return _review_page(
            request, review, posted=request.POST, errors={"form": exc.message}, status=400
        )
    messages.success(request, "Review saved.")
    return redirect(review)


@role_required(*CLINICAL)
@require_POST
def side_effect_add(request, review_id: int):
    review = get_review_for(request.user, review_id)
    try:
        add_side_effect(
            review=review,
            kind=request.POST.get("kind", ""),
            muscle_id=id_from(request.POST.get("muscle")) or None,
            side=request.POST.get("side", ""),
            started_on=request.POST.get("started_on"),
            ended_on=request.POST.get("ended_on"),
            note=request.POST.get("se_note", ""),
        )
    except ReviewErrors as exc:
        return _review_page(request, review, side_effect_errors=exc.errors, status=400)
    except ChartingError as exc:
        return _review_page(request, review, side_effect_errors={"kind": exc.message}, status=400)
    messages.success(request, "Side effect recorded.")
    return redirect(f"{review.get_absolute_url()}#side-effects")


@role_required(*CLINICAL)
def photos(request, review_id: int):
    """Baseline and review photos side by side per expression, with an overlay slider."""
    review = get_review_for(request.user, review_id)
    baseline_visit_id = review.treatment.visit_id
    movement_map = latest_map(visit=review.treatment.visit)  # query: the baseline map
    # query: photos of the treatment visit, its consultation map's visit and the review
    visit_ids = {baseline_visit_id, review.visit_id}
    if movement_map is not None:
        visit_ids.add(movement_map.visit_id)
    photos = list(
        Photo.objects.filter(visit_id__in=visit_ids)
        .select_related("expression", "measurement")
        .order_by("expression__order", "uploaded_at")
    )  # query: every photo of the baseline visits and the review
    pairs: dict[str, dict] = {}
    for photo in photos:
        code = photo.expression.code if photo.expression else "-"
        pair = pairs.setdefault(
            code, {"expression": photo.expression, "baseline": None, "review": None}
        )
        slot = "review" if photo.visit_id == review.visit_id else "baseline"
        pair[slot] = photo  # the latest of each kind wins
        pair[f"{slot}_reading"] = readings([photo])[0]  # what was measured on it
    context = {
        "review": review,
        "visit": review.visit,
        "pairs": list(pairs.values()),
        "scale_sentence": SCALE_SENTENCE,
        "measured": any(
            p.get(f"{slot}_reading") and p[f"{slot}_reading"].differences
            for p in pairs.values()
            for slot in ("baseline", "review")
        ),
    }
    return render(request, "reviews/photos.html", context)


@role_required(Role.INJECTOR)
@require_POST
def sign(request, review_id: int):
    review = get_review_for(request.user, review_id)
    try:
        sign_review(review=review, by=request.user, password=request.POST.get("password", ""))
    except ChartingError as exc:
        errors = {"sign": exc.message}
        return _review_page(request, review, errors=errors, status=400)
    messages.success(
        request, "Review signed and locked. The front desk's reviews-due list is cleared."
    )
    return redirect(review)
