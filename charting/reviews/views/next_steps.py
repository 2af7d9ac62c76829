"""The review's next steps that are not toxin, and a referral's letter (clinical)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from clinic import once
from clinic.access import role_required
from clinic.roles import CLINICAL_ROLES, Role

from ..access import get_next_step_for, get_review_for
from ..choices import NextStepKind
from ..next_steps import default_due_on, record_next_step, referral_refusal

CLINICAL = tuple(CLINICAL_ROLES)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@role_required(*CLINICAL)
def next_steps(request, review_id: int):
    review = get_review_for(request.user, review_id)  # query: the review and its people
    errors, posted = {}, {}
    if request.method == "POST":
        if not request.user.has_role(Role.INJECTOR):
            raise PermissionDenied("An injector records the next step.")
        posted = request.POST
        try:
            record_next_step(
                review=review,
                kind=posted.get("kind", ""),
                detail=posted.get("detail", ""),
                refer_to=posted.get("refer_to", ""),
                due_on=_date(posted.get("due_on", "")),
                by=request.user,
            )
        except ValidationError as exc:
            errors = {field: " ".join(m) for field, m in exc.message_dict.items()}
        else:
            messages.success(request, "Next step recorded: the front desk sees it to book.")
            return redirect("reviews:next_steps", review_id=review.pk)
    context = {
        "review": review,
        "visit": review.visit,
        # query: this review's steps
        "steps": list(review.next_steps.select_related("recorded_by").order_by("due_on", "id")),
        "kinds": NextStepKind.choices,
        "errors": errors,
        "posted": posted,
        "default_due_on": default_due_on(review),
        "may_record": request.user.has_role(Role.INJECTOR),
    }
    return render(request, "reviews/next_steps.html", context, status=400 if errors else 200)


@role_required(*CLINICAL)
def referral_letter(request, step_id: int):
    """A short printable letter for a referral (the browser prints it or saves a PDF)."""
    step = get_next_step_for(request.user, step_id)  # query: the step and its people
    if referral_refusal(step):
        raise Http404("Only a referral prints a letter.")
    return render(
        request,
        "reviews/referral_letter.html",
        {"step": step, "submit_token": once.new_token()},  # a double tap asks once
    )
