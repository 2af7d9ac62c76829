"""Staged plans and referrals: the next step that is not toxin, recorded at the review.

At the two-week review the injector records a next stage (filler, resurfacing, skin
care) or a referral ("refer: body-image concern", "refer: brow ptosis from laxity,
surgical opinion") with its due date, usually 2–4 weeks after the toxin. It shows on
the patient page and on the front desk's list to book; a referral prints a letter.

What the front desk sees (decided here, issue 20): the patient, the step's kind
("Filler", "Referral" …), its due date and whether it is booked; never the detail
(the referral's reason or the area), which is clinical.

Doors: the review's next-steps page (``reviews:next_steps``, clinical roles; adding
needs the injector role), the referral letter (``reviews:referral_letter``, clinical
roles), the front desk's list and its "booked" button (``next_steps_to_book``,
``next_step_booked``: every role, kind and date only), the patient page (every role;
detail for clinical roles only). The Django admin registers no next step; the demo data
records two through this rule (``charting.demo.reviews``). A second submit of the same
step (double click, second tab) records it once.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from charting.errors import ChartingError
from clinic.input_bounds import NO_CONTROL, control_characters_in
from clinic.roles import Role

from .choices import NextStepKind, NextStepStatus
from .models import NextStep, Review

# A next step is due within a year of the review, not before the treatment.
LATEST_DAYS = 365
DEFAULT_WEEKS = 3  # "2–4 weeks after toxin"


def default_due_on(review: Review) -> datetime.date:
    return timezone.localdate(review.treatment.started_at) + datetime.timedelta(weeks=DEFAULT_WEEKS)


def next_step_errors(
    *, review: Review, kind: str, detail: str, refer_to: str, due_on: datetime.date | None
) -> dict[str, str]:
    """What is wrong with a step, by field, in the injector's words."""
    errors = {}
    if kind not in NextStepKind.values:
        errors["kind"] = "Choose what the next step is."
    for field, text in (("detail", detail), ("refer_to", refer_to)):
        if control_characters_in(text, multiline=field == "detail"):
            errors[field] = NO_CONTROL
    if len(detail) > 500:
        errors["detail"] = "Keep the detail to 500 characters."
    if len(refer_to) > 120:
        errors["refer_to"] = "Keep this to 120 characters."
    if kind == NextStepKind.REFERRAL and not detail.strip():
        errors["detail"] = (
            "Write the reason for the referral, e.g. 'brow ptosis from laxity, surgical opinion'."
        )
    if due_on is None:
        errors["due_on"] = "Give the date the step is due."
    else:
        treated = timezone.localdate(review.treatment.started_at)
        latest = timezone.localdate() + datetime.timedelta(days=LATEST_DAYS)
        if not treated < due_on <= latest:
            errors["due_on"] = (
                f"Choose a day after the treatment ({treated:%-d %b %Y}) and before "
                f"{latest:%-d %b %Y}."
            )
    return errors


@transaction.atomic
def record_next_step(
    *,
    review: Review,
    kind: str,
    detail: str,
    refer_to: str = "",
    due_on: datetime.date | None,
    by,
) -> NextStep:
    """Record the step (once: the same step posted twice returns the first)."""
    if not by.has_role(Role.INJECTOR):  # whichever door calls: an injector decides it
        raise PermissionDenied("An injector records the next step.")
    detail, refer_to = (detail or "").strip(), (refer_to or "").strip()
    errors = next_step_errors(
        review=review, kind=kind, detail=detail, refer_to=refer_to, due_on=due_on
    )
    if errors:
        raise ValidationError(errors)
    Review.objects.select_for_update().filter(pk=review.pk).first()  # one writer at a time
    same = NextStep.objects.filter(
        review=review, kind=kind, detail=detail, refer_to=refer_to, due_on=due_on
    ).first()
    if same is not None:
        return same
    step = NextStep(
        review=review,
        patient_id=review.visit.patient_id,
        kind=kind,
        detail=detail,
        refer_to=refer_to,
        due_on=due_on,
        recorded_by=by,
    )
    step.full_clean()
    step.save()
    return step


def mark_booked(*, step: NextStep, by) -> NextStep:
    """The front desk booked it: off the list (safe twice)."""
    NextStep.objects.filter(pk=step.pk, status=NextStepStatus.OPEN).update(
        status=NextStepStatus.BOOKED, booked_by=by, booked_at=timezone.now()
    )
    step.refresh_from_db()
    return step


def steps_to_book(*, location=None):
    """The front desk's list: open steps, soonest due first, with the patient and the
    fields the desk may see (one query)."""
    steps = (
        NextStep.objects.to_book()
        .select_related("patient", "patient__home_location")
        .only(
            "id",
            "kind",
            "due_on",
            "status",
            "patient__id",
            "patient__first_name",
            "patient__last_name",
            "patient__chart_number",
            "patient__phone",
            "patient__home_location__name",
        )
        .order_by("due_on", "id")
    )
    if location is not None:
        steps = steps.filter(patient__home_location=location)
    return steps


def referral_refusal(step: NextStep) -> str | None:
    if step.kind != NextStepKind.REFERRAL:
        return "Only a referral prints a letter."
    return None


def ensure_referral(step: NextStep) -> None:
    refusal = referral_refusal(step)
    if refusal:
        raise ChartingError(refusal)
