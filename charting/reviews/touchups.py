"""Touch-ups at the review, charted with charting's own rules.

A touch-up is a ``charting.Treatment`` on the review visit, of the cycle's
product and plan, linked from ``Review.touch_up``. Units are parsed by
``planning.units.parse``, vials judged by ``charting.lots.vial_refusal``,
the signing checklist is ``charting.signing.checklist`` with the cycle's consent
(``charting.consent.consent_in_force`` on the original visit), the hash is
``charting.seal`` (the keyed seal), and once signed the model lock of charting
refuses every change. Signing a touch-up books no further review.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from charting import review_timing
from charting.consent import consent_in_force
from charting.lots import record_waste, vial_patient_refusal, vial_refusal
from charting.models import Injection, Treatment, Vial
from charting.signing import record_dose_checks, seal, signing_refusals
from clinic.input_bounds import NO_CONTROL, control_characters_in
from clinic.models import User
from planning import dose_rules
from planning import units as unit_rules
from planning.dose_rules import lock_patient
from planning.dosing import BLOCK, Check
from planning.face import position_refusal
from planning.models import Muscle

from .errors import ReviewError, ReviewErrors
from .models import Review


def _lock_open(review: Review) -> Review:
    locked = (
        Review.objects.select_for_update()
        .select_related("treatment__visit", "treatment__product", "visit")
        .get(pk=review.pk)
    )
    if locked.is_signed:
        raise ReviewError("The review is signed: no touch-up can be added after signing.")
    if not locked.treatment.is_signed:
        raise ReviewError("There is no signed treatment to touch up.")
    return locked


def _coordinate(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.0001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 1:
        errors[field] = "Tap the point on the face diagram."
        return None
    return number


@transaction.atomic
def add_touch_up(
    *,
    review: Review,
    muscle_id: int | None,
    side: str,
    units,
    vial_id: int | None,
    by: User,
    x=None,
    y=None,
    note: str = "",
    timing_reason: str = "",
    timing_acknowledged: bool = False,
    now: datetime.datetime | None = None,
) -> Injection:
    """Add one touch-up injection to the review's touch-up (opened on first use).

    Outside days 10-21 after the treatment (charting.review_timing) the first point
    needs ``timing_reason`` and ``timing_acknowledged``, stored on the touch-up and
    signed with it; an early review's own reason never stands in for them."""
    now = now or timezone.now()
    review = _lock_open(review)
    original = review.treatment
    if consent_in_force(visit=original.visit) is None:
        raise ReviewError(
            "The consent of this cycle is no longer in force: take a new consent before a touch-up."
        )
    treated = {
        (i.muscle_id, i.side): i for i in original.injections.all()
    }  # one query; the latest point of each muscle and side
    errors: dict[str, str] = {}
    muscle = _treated_muscle(muscle_id, side, treated, errors)
    try:
        given = unit_rules.parse(units)
    except unit_rules.UnitsError as exc:
        errors["units"] = exc.message
    vial = _usable_vial(
        vial_id, original.product, now, errors, patient_id=original.visit.patient_id
    )
    x_value, y_value = _coordinate(x, "xy", errors), _coordinate(y, "xy", errors)
    if control_characters_in(note):
        errors["note"] = NO_CONTROL
    timing = review_timing.touch_up_timing(treatment=original, on=review.visit.date)
    timing_reason = " ".join((timing_reason or "").split())
    already = review.touch_up_id and review.touch_up.timing_reason  # given with a first point
    if not already:
        errors |= review_timing.touch_up_timing_errors(
            timing=timing, reason=timing_reason, acknowledged=timing_acknowledged
        )
    if muscle is not None and (
        refusal := position_refusal(muscle=muscle.code, side=side, x=x_value, y=y_value)
    ):
        errors["xy"] = refusal[0].upper() + refusal[1:]
    if not errors:
        lock_patient(original.visit.patient_id)  # another tab's plan or chart waits
        added = Injection(muscle=muscle, side=side, units=given)
        blocks = [
            c.message for c in touch_up_dose_checks(review=review, added=added) if c.level == BLOCK
        ]
        if blocks:
            errors["units"] = "Blocked: " + " ".join(blocks)
    if errors:
        raise ReviewErrors(errors)
    if x_value is None or y_value is None:  # not tapped: at the original point
        point = treated[(muscle.pk, side)]
        x_value, y_value = point.x, point.y
    touch_up = review.touch_up or _open_touch_up(review=review, by=by, now=now)
    if timing is not None and not already:  # the reason and acknowledgment, kept to sign
        Treatment.objects.filter(pk=touch_up.pk).update(
            timing_finding=timing.as_dict(), timing_reason=timing_reason
        )
    injection = Injection.objects.create(
        treatment=touch_up,
        muscle=muscle,
        side=side,
        x=x_value,
        y=y_value,
        units=given,
        vial=vial,
        note=" ".join((note or "").split())[:200],
        order=touch_up.injections.count(),
    )
    Treatment.objects.filter(pk=touch_up.pk).update(version=touch_up.version + 1, updated_by=by)
    return injection


def _treated_muscle(muscle_id, side: str, treated: dict, errors: dict) -> Muscle | None:
    """The muscle of a touch-up: one this cycle treated, on a side it has."""
    muscle = Muscle.objects.filter(pk=muscle_id).first() if muscle_id else None
    if muscle is None:
        errors["muscle"] = "Choose the muscle."
    elif not muscle.has_side(side):
        errors["side"] = f"{muscle.name} is charted {'/'.join(muscle.sides)}."
    elif (muscle.pk, side) not in treated:
        errors["muscle"] = (
            f"{muscle.name} ({side}) was not treated in this cycle: a touch-up finishes a "
            "treated muscle; plan a new treatment for others."
        )
    return muscle


def _usable_vial(vial_id, product, now, errors: dict, *, patient_id: int) -> Vial | None:
    """The touch-up's vial: usable now, and not one another patient's chart uses
    (vials are single-patient; the cycle's own vial within its use-by is)."""
    vial = Vial.objects.for_pages().filter(pk=vial_id).first() if vial_id else None
    if vial is None:
        errors["vial"] = "Choose the vial (lot) the touch-up is drawn from."
    elif reason := vial_refusal(vial=vial, product=product, at=now) or vial_patient_refusal(
        vial=vial, patient_id=patient_id
    ):
        errors["vial"] = reason
    return vial


def _open_touch_up(*, review: Review, by: User, now: datetime.datetime) -> Treatment:
    """The touch-up of this review: a treatment on the review visit, of the cycle's
    plan and product."""
    original = review.treatment
    touch_up = Treatment.objects.create(
        visit=review.visit,
        plan=original.plan,
        product=original.product,
        started_at=now,
        started_by=by,
        updated_by=by,
        aftercare_given=True,
        notes="Touch-up at the two-week review.",
    )
    review.touch_up = touch_up
    review.save(update_fields=["touch_up", "updated_at"])
    return touch_up


@transaction.atomic
def remove_touch_up(*, review: Review, injection_id: int) -> None:
    review = _lock_open(review)
    if review.touch_up_id is None:
        raise ReviewError("There is no touch-up to change.")
    deleted, _ = Injection.objects.filter(pk=injection_id, treatment=review.touch_up_id).delete()
    if not deleted:
        raise ReviewError("That touch-up point is no longer there: reload the page.")
    if not Injection.objects.filter(treatment=review.touch_up_id).exists():
        # Its last point removed, the touch-up is gone too (issue 17, finding 9): the
        # review signs alone and no page says "with the touch-up".
        empty = review.touch_up_id
        review.touch_up = None
        review.save(update_fields=["touch_up", "updated_at"])
        Treatment.objects.filter(pk=empty).delete()


def touch_up_dose_checks(*, review: Review, added: Injection | None = None) -> list[Check]:
    """The dose rules for the cycle with its touch-up (planning.dose_rules): the area
    limits and label ranges see the session's and the touch-up's units together, the
    ceiling counts them on the review day against the patient's other doses, and no
    interval applies (a touch-up belongs to its cycle). Queries: the cycle's
    injections (1-2), the doses around the day (3)."""
    original = review.treatment
    cycle = list(original.injections.select_related("muscle"))
    if review.touch_up_id:
        cycle += list(
            Injection.objects.filter(treatment=review.touch_up_id).select_related("muscle")
        )
    if added is not None:
        cycle.append(added)
    return dose_rules.check_doses(
        patient=original.visit.patient,
        product=original.product,
        points=cycle,
        on=review.visit.date,
        record="touch-up",
        exclude_visits={original.visit_id, review.visit_id},
        with_screening=False,
    )


def sign_touch_up(*, review: Review, by: User, now: datetime.datetime) -> Treatment:
    """Sign and lock the touch-up with charting's checklist and hash (called by
    ``reviews.review.sign_review`` inside its transaction)."""
    original = review.treatment
    touch_up = (
        Treatment.objects.select_for_update()
        .select_related("visit__patient", "product")
        .get(pk=review.touch_up_id)
    )
    if touch_up.is_signed:
        return touch_up
    problems = signing_refusals(treatment=touch_up, at=now, cycle_visit=original.visit)
    timing = review_timing.touch_up_timing(treatment=original, on=review.visit.date)
    if timing is not None and not touch_up.timing_reason:  # added by another door
        problems.append(
            f"{timing.message} Write the reason and acknowledge it on the touch-up page."
        )
    lock_patient(original.visit.patient_id)
    checks = touch_up_dose_checks(review=review)
    problems += [f"Blocked: {c.message}" for c in checks if c.level == BLOCK]
    # A warning that asks for an acknowledgment (toxin of unknown units from elsewhere)
    # takes the review's note as it: written, signed with the touch-up.
    acknowledgment = (review.note or "").strip()
    if any(c.needs_ack for c in checks) and not acknowledgment:
        problems.append(
            "A dose warning asks for an acknowledgment: write it in the review's note "
            "(what you discussed and why you go ahead)."
        )
    if problems:
        raise ReviewError("The touch-up cannot be signed: " + " ".join(problems))
    record_dose_checks(treatment=touch_up, checks=checks, acknowledgment=acknowledgment)
    record_timing(treatment=touch_up, timing=timing)
    record_waste(treatment=touch_up)  # what is left in its vial is waste
    return seal(treatment=touch_up, by=by, at=now)


def record_timing(*, treatment: Treatment, timing) -> None:
    """Store the timing finding as it stood at signing, beside the reason given (just
    before ``seal``, which hashes both with the touch-up); none in the window."""
    if timing is None:
        Treatment.objects.filter(pk=treatment.pk).update(timing_finding={}, timing_reason="")
    else:
        Treatment.objects.filter(pk=treatment.pk).update(timing_finding=timing.as_dict())
