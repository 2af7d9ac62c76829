"""Touch-up injections at the review, on the face diagram, with charting's rules."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from charting import review_timing
from charting.consent import consent_in_force
from charting.errors import ChartingError
from charting.lots import usable_vials
from clinic.access import role_required
from clinic.roles import CLINICAL_ROLES
from planning import sides

from ..access import get_review_for
from ..errors import ReviewErrors
from ..screens import cycle_totals, review_rows
from ..touchups import add_touch_up, remove_touch_up

CLINICAL = tuple(CLINICAL_ROLES)


def _page(request, review, *, errors=None, posted=None, status=200):
    injections, touch_ups, findings, side_effects = review_rows(review)  # 4 queries
    # query: vials of the cycle's product usable now, none another patient's chart uses
    vials = usable_vials(
        product=review.treatment.product, at=timezone.now(), patient_id=review.visit.patient_id
    )
    context = {
        "review": review,
        "visit": review.visit,
        "treatment": review.treatment,
        "injections": injections,
        "touch_ups": touch_ups,
        "diagram_points": [*injections, *touch_ups],
        "totals": cycle_totals(
            injections=injections, touch_ups=touch_ups, findings=findings, side_effects=side_effects
        ),
        "treated": sorted(
            {(i.muscle, i.side) for i in injections},
            key=lambda t: (t[0].order, sides.sort_key(t[1])),
        ),
        "vials": vials,
        # pre-selected only when the patient's own chart already draws from it (the
        # cycle's vial within its use-by); else the injector chooses
        "default_vial": next((v for v in vials if v.used_for_patient), None),
        # query: the cycle's consent
        "consent": consent_in_force(visit=review.treatment.visit),
        # the side that moves most at the review is the likely touch-up
        "default_target": max(findings, key=lambda f: f.grade, default=None),
        "tappable": not review.is_signed,
        # outside days 10-21: the reason and acknowledgment the first point needs
        "timing": review_timing.touch_up_timing(treatment=review.treatment, on=review.visit.date),
        "timing_reason": review.touch_up.timing_reason if review.touch_up_id else "",
        "errors": errors or {},
        "posted": posted or {},
    }
    return render(request, "reviews/touch_up.html", context, status=status)


@role_required(*CLINICAL)
def touch_up(request, review_id: int):
    review = get_review_for(request.user, review_id)
    if request.method != "POST":
        return _page(request, review)
    target = request.POST.get("target", "")  # "muscle_id:side" from the treated list
    muscle_id, _, side = target.partition(":")
    try:
        add_touch_up(
            review=review,
            muscle_id=int(muscle_id) if muscle_id.isdigit() else None,
            side=side,
            units=request.POST.get("units", ""),
            vial_id=int(request.POST["vial"]) if request.POST.get("vial", "").isdigit() else None,
            x=request.POST.get("x"),
            y=request.POST.get("y"),
            note=request.POST.get("note", ""),
            timing_reason=request.POST.get("timing_reason", ""),
            timing_acknowledged=request.POST.get("timing_ack") == "yes",
            by=request.user,
        )
    except ReviewErrors as exc:
        return _page(request, review, errors=exc.errors, posted=request.POST, status=400)
    except ChartingError as exc:
        return _page(request, review, errors={"form": exc.message}, posted=request.POST, status=400)
    messages.success(request, "Touch-up point added.")
    return redirect("reviews:touch_up", review.pk)


@role_required(*CLINICAL)
@require_POST
def touch_up_remove(request, review_id: int):
    review = get_review_for(request.user, review_id)
    injection_id = request.POST.get("injection", "")
    try:
        remove_touch_up(
            review=review,
            injection_id=int(injection_id) if injection_id.isdigit() else 0,
        )
    except ChartingError as exc:
        return _page(request, review, errors={"form": exc.message}, status=400)
    messages.success(request, "Touch-up point removed.")
    return redirect("reviews:touch_up", review.pk)
