"""Invented demo data for the two-week review: three patients with three cycles
each (treatment, review, touch-up), one with a side effect; and one patient whose
day-14 review is booked today, ready to finish in the browser. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from charting import review_timing
from charting.due_reviews import book_review
from charting.models import ConsentText, Injection, Lot, Treatment, Vial
from charting.reviews.choices import SideEffectKind
from charting.reviews.models import Finding, Review, SideEffect
from charting.reviews.touchups import touch_up_dose_checks
from charting.signing import seal
from clinic.errors import SchedulingError
from clinic.models import Patient, User
from clinic.patients import chart_number_for
from planning.choices import VisitKind, VisitStatus
from planning.demo import demo_photo
from planning.models import (
    Expression,
    MovementMap,
    Muscle,
    Observation,
    Visit,
)
from planning.photos import store_photo
from planning.screening import QUESTIONS, record_screening

from .treatments import charted_and_signed, demo_dose_checks, final_plan

# the demo patient's number (clinic.patients.chart_number_for) -> cycles: days ago,
# baseline {CORR-L, CORR-R, PROC}, treatment units per point change {index: units},
# residual {key: grade}, touch-ups [(muscle, side, units)], side effect kind or None
L, R, C = "CORR:L", "CORR:R", "PROC:C"
CYCLES = {
    30: [
        (300, {L: 3, R: 2, C: 2}, {}, {L: 2, R: 0, C: 0}, [("CORR", "L", 2)], None),
        (190, {L: 3, R: 2, C: 2}, {3: 6, 4: 6}, {L: 1, R: 0, C: 0}, [], None),
        (80, {L: 3, R: 2, C: 2}, {3: 6, 4: 6}, {L: 0, R: 0, C: 0}, [], None),
    ],
    31: [
        (
            320,
            {L: 3, R: 3, C: 3},
            {},
            {L: 2, R: 2, C: 1},
            [("CORR", "L", 2), ("CORR", "R", 2)],
            None,
        ),
        (200, {L: 3, R: 3, C: 3}, {0: 5, 1: 5, 3: 5, 4: 5}, {L: 0, R: 0, C: 0}, [], "eyelid"),
        (95, {L: 3, R: 3, C: 3}, {}, {L: 1, R: 1, C: 0}, [("PROC", "C", 1)], None),
    ],
    32: [
        (280, {L: 2, R: 3, C: 2}, {}, {L: 0, R: 2, C: 0}, [("CORR", "R", 2)], None),
        (170, {L: 2, R: 3, C: 2}, {0: 5, 1: 5}, {L: 0, R: 1, C: 0}, [("CORR", "R", 1)], None),
        (60, {L: 2, R: 3, C: 2}, {0: 5, 1: 5}, {L: 0, R: 0, C: 0}, [], None),
    ],
}
READY_PATIENT = 33  # treated 14 days ago; review booked today


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _treatment_on(
    *, patient, injector, day, baseline, changes, lot, photo: bool = False
) -> Treatment:
    """A signed glabellar treatment on ``day`` with its movement map, plan, consent, vial
    (and a frown photo when ``photo``: taken before signing, which locks the visit)."""
    at = _at(day, 10)
    visit = Visit.objects.create(
        patient=patient,
        location=patient.home_location,
        injector=injector,
        date=day,
        kind=VisitKind.TREATMENT,
        status=VisitStatus.COMPLETED,
        created_by=injector,
    )
    record_screening(
        visit=visit,
        by=injector,
        answers=dict.fromkeys((q.code for q in QUESTIONS), False),
        now=at - datetime.timedelta(minutes=45),
    )
    muscles = Muscle.objects.in_bulk(field_name="code")
    frown = Expression.objects.get(code="FROWN")
    movement_map = MovementMap.objects.create(visit=visit, recorded_by=injector)
    Observation.objects.bulk_create(
        Observation(
            movement_map=movement_map,
            expression=frown,
            muscle=muscles[key.split(":")[0]],
            side=key.split(":")[1],
            grade=grade,
        )
        for key, grade in baseline.items()
    )
    if photo:
        store_photo(visit=visit, by=injector, upload=demo_photo(frown.name, 1), expression=frown)
    plan = final_plan(visit=visit, product=lot.product, by=injector, at=at, units=changes)
    return charted_and_signed(visit=visit, plan=plan, lot=lot, by=injector, at=at)


def _review(*, treatment, injector, residual, touch_ups, side_effect, lot) -> None:
    day = treatment.visit.date + datetime.timedelta(days=14)
    at = _at(day, 11)
    visit = Visit.objects.create(
        patient=treatment.visit.patient,
        location=treatment.visit.location,
        injector=injector,
        date=day,
        kind=VisitKind.REVIEW,
        status=VisitStatus.COMPLETED,
        created_by=injector,
    )
    # The timing rule, as at every door: the demo's reviews are on time (day 14).
    if refusal := review_timing.review_opening_refusal(treatment=treatment, on=day):
        raise ValueError(f"demo review: {refusal}")
    muscles = Muscle.objects.in_bulk(field_name="code")
    gais = 1 if max(residual.values()) == 0 else 2
    review = Review.objects.create(
        visit=visit,
        treatment=treatment,
        gais=gais,
        satisfaction=2 if gais == 2 else 1,
        created_by=injector,
        created_at=at,
    )
    baseline = {
        f"{o.muscle.code}:{o.side}": o.grade
        for o in Observation.objects.filter(movement_map__visit=treatment.visit).select_related(
            "muscle"
        )
    }
    Finding.objects.bulk_create(
        Finding(
            review=review,
            muscle=muscles[key.split(":")[0]],
            side=key.split(":")[1],
            grade=grade,
            baseline_grade=baseline.get(key),
        )
        for key, grade in residual.items()
    )
    if side_effect:
        SideEffect.objects.create(
            review=review,
            kind=SideEffectKind.EYELID_PTOSIS,
            side="L",
            started_on=treatment.visit.date + datetime.timedelta(days=4),
            ended_on=treatment.visit.date + datetime.timedelta(days=20),
            note="Mild left upper-lid droop, resolving (demo).",
        )
    if touch_ups:
        review.touch_up = _touch_up(
            review=review, visit=visit, injector=injector, at=at, lot=lot, rows=touch_ups
        )
    review.signed_at, review.signed_by = at + datetime.timedelta(minutes=12), injector
    review.save()


def _touch_up(*, review, visit, injector, at, lot, rows) -> Treatment:
    """The review's signed touch-up: ``rows`` of (muscle code, side, units) at the
    treatment's points, through the dose rules of a touch-up."""
    treatment = review.treatment
    if timing := review_timing.touch_up_timing(treatment=treatment, on=visit.date):
        raise ValueError(f"demo touch-up: {timing.message}")  # a demo bug
    muscles = Muscle.objects.in_bulk(field_name="code")
    vial = Vial.objects.create(
        lot=lot,
        vial_units=100,
        diluent_ml=Decimal("2.50"),
        reconstituted_at=at - datetime.timedelta(minutes=15),
        reconstituted_by=injector,
    )
    touch_up = Treatment.objects.create(
        visit=visit,
        plan=treatment.plan,
        product=treatment.product,
        started_at=at,
        started_by=injector,
        updated_by=injector,
        aftercare_given=True,
        notes="Touch-up at the two-week review.",
    )
    where = {(i.muscle.code, i.side): i for i in treatment.injections.select_related("muscle")}
    Injection.objects.bulk_create(
        Injection(
            treatment=touch_up,
            muscle=muscles[code],
            side=side,
            x=where[(code, side)].x,
            y=where[(code, side)].y,
            units=Decimal(units),
            vial=vial,
            order=n,
        )
        for n, (code, side, units) in enumerate(rows)
    )
    review.touch_up = touch_up
    demo_dose_checks(treatment=touch_up, checks=touch_up_dose_checks(review=review))
    return seal(treatment=touch_up, by=injector, at=at + datetime.timedelta(minutes=10))


@transaction.atomic
def seed(out) -> None:
    injector = User.objects.filter(email="injector@demo.clinic").first()
    lot = Lot.objects.filter(number="C3702A4").first()
    if injector is None or lot is None or ConsentText.objects.current() is None:
        out.write("reviews: run the clinic and charting demos first")
        return
    today = timezone.localdate()
    made = 0
    for chart, cycles in CYCLES.items():
        patient = Patient.objects.filter(chart_number=chart_number_for(chart)).first()
        if patient is None or Treatment.objects.for_patient(patient).exists():
            continue
        for days, baseline, changes, residual, touch_ups, side_effect in cycles:
            treatment = _treatment_on(
                patient=patient,
                injector=injector,
                day=today - datetime.timedelta(days=days),
                baseline=baseline,
                changes=changes,
                lot=lot,
            )
            _review(
                treatment=treatment,
                injector=injector,
                residual=residual,
                touch_ups=touch_ups,
                side_effect=side_effect,
                lot=lot,
            )
            made += 1
    ready = Patient.objects.filter(chart_number=chart_number_for(READY_PATIENT)).first()
    message = ""
    if ready is not None and not Treatment.objects.for_patient(ready).exists():
        treatment = _treatment_on(
            patient=ready,
            injector=injector,
            day=today - datetime.timedelta(days=14),
            baseline={L: 3, R: 2, C: 2},
            changes={},
            lot=lot,
            photo=True,
        )
        Vial.objects.create(
            lot=lot,
            vial_units=100,
            diluent_ml=Decimal("2.50"),
            reconstituted_at=timezone.now() - datetime.timedelta(minutes=5),
            reconstituted_by=injector,
        )
        try:
            appointment = book_review(treatment=treatment, days=14, by=injector)
            when = timezone.localtime(appointment.starts_at)
            message = f"; {ready.full_name}'s review is booked {when:%a %H:%M}"
        except SchedulingError as exc:
            message = f"; {ready.full_name}'s review is due ({exc})"
    out.write(f"reviews: {made} cycles with reviews and touch-ups{message}")
