"""Review rules: open a review of a signed treatment, grade it, record side effects, sign.

Every function checks the whole input before it writes and runs in one
transaction, so a refused save changes nothing. A signed review is locked: the
functions here refuse to change it (the touch-up's own lock is charting's).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from charting import prerender, review_timing
from charting.due_reviews import record_review_done
from charting.models import Treatment
from charting.signing import confirm_signer
from clinic.input_bounds import NO_CONTROL, control_characters_in
from clinic.models import Patient, User
from clinic.roles import Role
from planning.models import Muscle, Visit, VisitKind, VisitStatus

from .baseline import baseline_grades, treated_sides
from .choices import Gais, Satisfaction, SideEffectKind
from .errors import ReviewError, ReviewErrors, StaleReview
from .models import Finding, Review, SideEffect
from .touchups import sign_touch_up


@transaction.atomic
def open_review(
    *,
    treatment: Treatment,
    by: User,
    patient: Patient | None = None,
    on: datetime.date | None = None,
    early_reason: str = "",
) -> Review:
    """The review of ``treatment``: the one already open, or a new review visit on ``on``
    (today unless told).

    ``patient``, when given (the appointment's or due review's patient), must be
    the treatment's: a review never follows another patient's treatment. Before day
    10 the review is early and opens only with ``early_reason``, stored and shown
    (charting.review_timing); it opens no touch-up by itself.
    """
    treatment = (
        Treatment.objects.select_for_update()
        .select_related("visit__patient", "visit__location", "visit__injector")
        .get(pk=treatment.pk)
    )
    if patient is not None and patient.pk != treatment.visit.patient_id:
        raise ReviewError("This treatment belongs to another patient: open that patient's review.")
    if not treatment.is_signed:
        raise ReviewError("The treatment is not signed yet: sign the chart before its review.")
    if hasattr(treatment, "touch_up_of"):
        raise ReviewError("This is a touch-up: review the treatment it belongs to.")
    existing = Review.objects.filter(treatment=treatment).first()
    if existing is not None:
        return existing
    original = treatment.visit
    day = on or timezone.localdate()
    early_reason = " ".join((early_reason or "").split())
    if refusal := review_timing.review_opening_refusal(
        treatment=treatment, on=day, reason=early_reason
    ):
        raise ReviewError(refusal, field="early_reason")
    visit = Visit.objects.create(
        patient=original.patient,
        location=original.location,
        injector=by if by.has_role(Role.INJECTOR) else original.injector,
        date=day,
        kind=VisitKind.REVIEW,
        created_by=by,
    )
    if not review_timing.is_early(treatment=treatment, on=day):
        early_reason = ""  # on time: nothing to explain
    return Review.objects.create(
        visit=visit, treatment=treatment, created_by=by, early_reason=early_reason
    )


def _lock_open(review: Review) -> Review:
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.is_signed:
        raise ReviewError("This review is signed and locked.")
    return locked


def _choice(value, choices, message: str, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number not in choices.values:
        errors[field] = message
        return None
    return number


def _residual_grades(grades: dict[str, str], treated: dict, errors: dict) -> dict:
    """The posted grades of the treated muscles and sides ("" clears one); a grade of
    an untreated one, or not 0-3, is an error."""
    parsed: dict[str, int | None] = {}
    for key, value in grades.items():
        if key not in treated:
            code, _, side = key.partition(":")
            errors[f"g:{key}"] = (
                f"{code} on side {side} was not treated in this cycle: "
                "only treated muscles are graded at the review."
            )
        elif value in (None, ""):
            parsed[key] = None
        elif value in ("0", "1", "2", "3"):
            parsed[key] = int(value)
        else:
            errors[f"g:{key}"] = "Grade 0, 1, 2 or 3."
    return parsed


def _save_findings(*, review: Review, parsed: dict, treated: dict, notes: dict) -> None:
    """One finding per graded muscle and side, with the baseline grade beside it."""
    _, baseline = baseline_grades(treatment=review.treatment)
    existing = {(f.muscle_id, f.side): f for f in review.findings.all()}
    for key, grade in parsed.items():
        t = treated[key]
        finding = existing.get((t.muscle.pk, t.side))
        if grade is None:
            if finding is not None:
                finding.delete()
            continue
        if finding is None:
            finding = Finding(review=review, muscle=t.muscle, side=t.side)
        finding.grade = grade
        finding.baseline_grade = baseline.get((t.muscle.pk, t.side))
        finding.note = " ".join((notes.get(key) or "").split())[:200]
        finding.save()


@transaction.atomic
def save_review(
    *,
    review: Review,
    version: int,
    grades: dict[str, str],
    notes: dict[str, str] | None = None,
    gais: str | None = None,
    satisfaction: str | None = None,
    note: str = "",
) -> Review:
    """Save the residual grades (``grades``: "CODE:SIDE" → "0".."3" or ""), GAIS,
    satisfaction and note. Only the cycle's treated muscles and sides may be graded."""
    review = _lock_open(review)
    if version != review.version:
        raise StaleReview(
            "This review was changed in another tab or by someone else since you opened it. "
            "Nothing was overwritten: your entries are kept below; save again to keep them.",
            field="version",
        )
    notes = notes or {}
    treated = {
        t.key: t for t in treated_sides(review.treatment.injections.select_related("muscle"))
    }
    errors: dict[str, str] = {}
    parsed = _residual_grades(grades, treated, errors)
    gais_value = _choice(gais, Gais, "Choose the global improvement.", "gais", errors)
    satisfaction_value = _choice(
        satisfaction,
        Satisfaction,
        "Satisfaction is 1 (very satisfied) to 7.",
        "satisfaction",
        errors,
    )
    if errors:
        raise ReviewErrors(errors)
    _save_findings(review=review, parsed=parsed, treated=treated, notes=notes)
    review.gais, review.satisfaction = gais_value, satisfaction_value
    review.note = (note or "").strip()
    review.version += 1
    review.save()
    return review


def _date(value, field: str, errors: dict) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = "Enter a date, e.g. 2026-05-14."
        return None


@transaction.atomic
def add_side_effect(
    *,
    review: Review,
    kind: str,
    muscle_id: int | None = None,
    side: str = "",
    started_on=None,
    ended_on=None,
    note: str = "",
) -> SideEffect:
    """Record a side effect since the treatment (eyelid/brow ptosis, asymmetry, headache…)."""
    review = _lock_open(review)
    note = " ".join((note or "").split())
    errors: dict[str, str] = {}
    if kind not in SideEffectKind.values:
        errors["kind"] = "Choose what happened."
    muscle = None
    if muscle_id:
        muscle = Muscle.objects.filter(pk=muscle_id).first() if str(muscle_id).isdigit() else None
        if muscle is None:
            errors["muscle"] = "Choose a muscle from the list."
    if side and side not in ("L", "R", "C"):
        errors["side"] = "Choose left, right or midline."
    elif muscle is not None and side and not muscle.has_side(side):
        errors["side"] = f"{muscle.name} is charted {'/'.join(muscle.sides)}."
    start, end = _date(started_on, "started_on", errors), _date(ended_on, "ended_on", errors)
    treated_day = review.treatment.visit.date
    if start and start < treated_day:
        errors["started_on"] = f"It started before the treatment ({treated_day:%b %-d, %Y})."
    if start and start > review.visit.date:
        errors["started_on"] = "It cannot start after the review."
    if start and end and end < start:
        errors["ended_on"] = "It ended before it started."
    if kind == SideEffectKind.OTHER and not note:
        errors["note"] = "Describe what happened."
    elif control_characters_in(note):
        errors["note"] = NO_CONTROL
    if errors:
        raise ReviewErrors(errors)
    return SideEffect.objects.create(
        review=review,
        kind=kind,
        muscle=muscle,
        side=side,
        started_on=start,
        ended_on=end,
        note=note[:300],
    )


def signing_refusals(*, review: Review, injections=None, findings=None) -> list[str]:
    """What stops signing the review's grades (the touch-up has charting's checks).
    Pass the treatment's ``injections`` and the ``findings`` when already fetched."""
    if injections is None:
        injections = review.treatment.injections.select_related("muscle")
    if findings is None:
        findings = review.findings.all()
    treated = treated_sides(injections)
    graded = {(f.muscle_id, f.side) for f in findings}
    missing = [t for t in treated if (t.muscle.pk, t.side) not in graded]
    problems = []
    if (
        refusal := review_timing.review_opening_refusal(
            treatment=review.treatment, on=review.visit.date, reason=review.early_reason
        )
    ) is not None:  # a review made by another door than open_review
        problems.append(refusal)
    if missing:
        names = ", ".join(f"{t.muscle.code} {t.side}" for t in missing)
        problems.append(f"Grade the residual movement of every treated muscle (missing: {names}).")
    if review.gais is None:
        problems.append("Record the global improvement (GAIS).")
    return problems


@transaction.atomic
def sign_review(
    *, review: Review, by: User, password: str, now: datetime.datetime | None = None
) -> Review:
    """Sign and lock the review and its touch-up; close the due review on the desk's list."""
    now = now or timezone.now()
    review = _lock_open(review)
    confirm_signer(by=by, password=password, what="a review")
    problems = signing_refusals(review=review)
    if problems:
        raise ReviewError(" ".join(problems))
    if review.touch_up_id:
        touch_up = review.touch_up
        if touch_up.injections.exists():
            sign_touch_up(review=review, by=by, now=now)
        else:  # opened but nothing given: no touch-up in this cycle
            review.touch_up = None
            review.save(update_fields=["touch_up"])
            touch_up.delete()
    review.signed_at, review.signed_by = now, by
    review.save(update_fields=["signed_at", "signed_by", "updated_at"])
    Visit.objects.filter(pk=review.visit_id).update(status=VisitStatus.COMPLETED)
    treatment = review.treatment
    record_review_done(treatment=treatment, by=by)
    prerender.review_signed(review=review)  # printed in the treatment's parts
    return review
