"""Invented demo data for the two-week review: three patients with three cycles
each (treatment, review, touch-up), one with a side effect; and one patient whose
day-14 review is booked today, ready to finish in the browser. Idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from charting import review_timing
from charting.due_reviews import book_review, record_due_review
from charting.models import ConsentText, Injection, Lot, Treatment, Vial
from charting.reviews.choices import NextStepKind, SideEffectKind
from charting.reviews.models import Finding, Review, SideEffect
from charting.reviews.next_steps import record_next_step
from charting.reviews.touchups import touch_up_dose_checks
from clinic.demo_story import DemoVisit, Story
from clinic.errors import SchedulingError
from clinic.models import Appointment, Location, Patient, User
from clinic.patients import chart_number_for
from planning.choices import VisitKind, VisitStatus
from planning.demo import DRAWN_NOT_MEASURED, DRAWN_NOTE, demo_photo
from planning.demo_faces import TAIL_RAISED_PX, portrait_upload, source_note
from planning.face import position_refusal
from planning.models import (
    Expression,
    MovementMap,
    Muscle,
    Observation,
    Visit,
)
from planning.photos import store_photo
from planning.pull import Direction
from planning.screening import QUESTIONS, record_screening

from .treatments import (
    DEMO_INJECTORS,
    REVIEWS_DUE,
    TODAY_PATIENT,
    charted_and_signed,
    demo_dose_checks,
    demo_story,
    final_plan,
    signed,
)

# the demo patient's number (clinic.patients.chart_number_for) -> its story's cycles in
# order (clinic.demo_story dates them): baseline {CORR-L, CORR-R, PROC}, treatment units
# per point change {index: units}, residual {key: grade}, touch-ups [(muscle, side,
# units)], side effect kind or None
L, R, C = "CORR:L", "CORR:R", "PROC:C"
CYCLES = {
    30: [
        ({L: 3, R: 2, C: 2}, {}, {L: 2, R: 0, C: 0}, [("CORR", "L", 2)], None),
        ({L: 3, R: 2, C: 2}, {3: 6, 4: 6}, {L: 1, R: 0, C: 0}, [], None),
        ({L: 3, R: 2, C: 2}, {3: 6, 4: 6}, {L: 0, R: 0, C: 0}, [], None),
    ],
    31: [
        (
            {L: 3, R: 3, C: 3},
            {},
            {L: 2, R: 2, C: 1},
            [("CORR", "L", 2), ("CORR", "R", 2)],
            None,
        ),
        ({L: 3, R: 3, C: 3}, {0: 5, 1: 5, 3: 5, 4: 5}, {L: 0, R: 0, C: 0}, [], "eyelid"),
        ({L: 3, R: 3, C: 3}, {}, {L: 1, R: 1, C: 0}, [("PROC", "C", 1)], None),
    ],
    32: [
        ({L: 2, R: 3, C: 2}, {}, {L: 0, R: 2, C: 0}, [("CORR", "R", 2)], None),
        ({L: 2, R: 3, C: 2}, {0: 5, 1: 5}, {L: 0, R: 1, C: 0}, [("CORR", "R", 1)], None),
        ({L: 2, R: 3, C: 2}, {0: 5, 1: 5}, {L: 0, R: 0, C: 0}, [], None),
    ],
}
READY_PATIENT = 33  # treated 14 days ago; review booked today
# Measured asymmetry (issue 21): the patient's number -> the cycle (0-based) whose
# treatment visit has a measured rest photo with the R brow tail high ("brow tail R
# +2.4 mm higher"; planning.demo_faces), a lateral frontalis microdose on that side
# in its plan, and whose review's rest photo shows the difference fallen.
BROW_CYCLE = {30: 2}
MICRODOSE = ("FRONTL", "R", "0.3000", "0.2100", Decimal("2"))


def _portrait(*, visit, injector, tail_up_px: float) -> None:
    """The measured test portrait (planning.demo_faces) as the visit's rest photo,
    through the photo rule, labelled as a test portrait; measured after the commit."""
    upload = portrait_upload(tail_up_px=tail_up_px)
    if upload is None:
        return
    store_photo(
        visit=visit,
        by=injector,
        upload=upload,
        expression=Expression.objects.get(code="REST"),
        moment="rest",
        source_note=source_note(tail_up_px),
    )


def _treatment_on(
    *,
    seen: DemoVisit,
    patient,
    injector,
    location,
    baseline,
    changes,
    lot,
    photo: bool = False,
    brow: bool = False,
) -> Treatment:
    """A signed glabellar treatment at the story's visit ``seen`` (its appointment's
    time and place) with its movement map, plan, consent, vial (and a frown photo when
    ``photo``: taken before signing, which locks the visit). ``brow``: the measured
    rest portrait with the R brow tail high, the map's lateral frontalis spiking on
    that side, and a 2 U microdose there in the plan (issue 21)."""
    at = seen.starts_at
    visit = Visit.objects.create(
        patient=patient,
        location=location,
        injector=injector,
        date=seen.day,
        kind=VisitKind.TREATMENT,
        status=VisitStatus.COMPLETED,
        created_by=injector,
        created_at=at,
    )
    record_screening(
        visit=visit,
        by=injector,
        answers=dict.fromkeys((q.code for q in QUESTIONS), False),
        now=at + datetime.timedelta(minutes=2),
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
        store_photo(
            visit=visit,
            by=injector,
            upload=demo_photo(frown.name, 1),
            expression=frown,
            source_note=DRAWN_NOTE,
            not_measured=DRAWN_NOT_MEASURED,
        )
    if brow:  # the microdose is in the plan before it is final (its points never change)
        _brow_tail_high(visit=visit, injector=injector, muscles=muscles)
    plan = final_plan(
        visit=visit,
        product=lot.product,
        by=injector,
        at=at,
        units=changes,
        more=[MICRODOSE] if brow else (),
    )
    return charted_and_signed(visit=visit, plan=plan, lot=lot, by=injector, at=at)


def _brow_tail_high(*, visit, injector, muscles) -> None:
    """The cycle of the article's "right brow that spikes": the measured portrait, the
    map's lateral frontalis (R spikes up, L lifts flat) and the R microdose."""
    _portrait(visit=visit, injector=injector, tail_up_px=TAIL_RAISED_PX)
    brows = Expression.objects.get(code="BROWS")
    for side, grade, direction in (("R", 2, Direction.TAIL_UP), ("L", 1, Direction.FLAT)):
        cell = Observation(
            movement_map=visit.movement_map,
            expression=brows,
            muscle=muscles["FRONTL"],
            side=side,
            grade=grade,
            direction=direction,
        )
        cell.full_clean()  # the map's rules (planning.pull's direction among them)
        cell.save()
    code, side, x, y, _ = MICRODOSE  # the plan's microdose (``final_plan``'s ``more``)
    if refusal := position_refusal(muscle=code, side=side, x=x, y=y):
        raise ValueError(f"demo microdose: {refusal}")  # a demo bug


def _review(
    *,
    seen: DemoVisit,
    treatment,
    injector,
    residual,
    touch_ups,
    side_effect,
    lot,
    brow: bool = False,
) -> None:
    """The signed review of ``treatment`` at the story's review visit ``seen`` (with
    ``brow``, the rest portrait as it is: the brow tail difference fallen)."""
    day, at = seen.day, seen.starts_at
    visit = Visit.objects.create(
        patient=treatment.visit.patient,
        location=treatment.visit.location,
        injector=injector,
        date=day,
        kind=VisitKind.REVIEW,
        status=VisitStatus.OPEN,
        created_by=injector,
        created_at=at,
    )
    if brow:  # taken before the review is signed (the photo rule)
        _portrait(visit=visit, injector=injector, tail_up_px=0)
    Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.COMPLETED)
    visit.status = VisitStatus.COMPLETED
    # The timing rule, as at every door: the demo's reviews are on time (days 10–21).
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
    return signed(
        treatment=touch_up,
        by=injector,
        at=at + datetime.timedelta(minutes=10),
        cycle_visit=treatment.visit,
    )


DEFAULT_CYCLE = ({L: 2, R: 2, C: 2}, {}, {L: 0, R: 0, C: 0}, [], None)


def _story_of(
    *, patient, seen: list[DemoVisit], cycles, lot, people, places, brow_cycle=None
) -> int:
    """A patient's treatments and reviews as the story has them: each seen treatment
    signed at its appointment, each seen review signed, a booked review recorded as the
    treatment's due review (signing's rule would have booked it)."""
    treatment, made, cycle = None, 0, -1
    for visit in seen:
        injector = people[visit.injector]
        if visit.kind == Appointment.Kind.TREATMENT:
            treatment = None
            if not visit.done:
                continue
            cycle += 1
            baseline, changes, *_ = cycles[cycle] if cycle < len(cycles) else DEFAULT_CYCLE
            treatment = _treatment_on(
                seen=visit,
                patient=patient,
                injector=injector,
                location=places[visit.location],
                baseline=baseline,
                changes=changes,
                lot=lot,
                brow=cycle == brow_cycle,
            )
            made += 1
        elif visit.kind == Appointment.Kind.REVIEW and treatment is not None:
            _, _, residual, touch_ups, side_effect = (
                cycles[cycle] if cycle < len(cycles) else DEFAULT_CYCLE
            )
            if visit.done:
                _review(
                    seen=visit,
                    treatment=treatment,
                    injector=injector,
                    residual=residual,
                    touch_ups=touch_ups,
                    side_effect=side_effect,
                    lot=lot,
                    brow=cycle == brow_cycle,
                )
            elif visit.status != Appointment.Status.CANCELLED:
                days = review_timing.day_after(treatment=treatment, on=visit.day)
                record_due_review(treatment=treatment, days=days, by=injector)
    return made


# Patients whose story charting's treatments module charts (planning's planned visits,
# the visit ready today, the reviews due) or that signing's rule books (READY_PATIENT).
CHARTED_ELSEWHERE = {1, 2, TODAY_PATIENT, READY_PATIENT, *REVIEWS_DUE}


@transaction.atomic
def seed(out, *, story: Story | None = None) -> None:
    injector = User.objects.filter(email="injector@demo.clinic").first()
    lot = Lot.objects.filter(number="C3702A4").first()
    if injector is None or lot is None or ConsentText.objects.current() is None:
        out.write("reviews: run the clinic and charting demos first")
        return
    story = story or demo_story()
    people = {u.email: u for u in User.objects.filter(email__in=DEMO_INJECTORS)}
    places = Location.objects.in_bulk(field_name="name")
    made = 0
    for number in story.patients():
        patient = Patient.objects.filter(chart_number=chart_number_for(number)).first()
        if (
            number in CHARTED_ELSEWHERE
            or patient is None
            or Treatment.objects.for_patient(patient).exists()
        ):
            continue
        made += _story_of(
            patient=patient,
            seen=story.of(number),
            cycles=CYCLES.get(number, []),
            brow_cycle=BROW_CYCLE.get(number),
            lot=lot,
            people=people,
            places=places,
        )
    ready = Patient.objects.filter(chart_number=chart_number_for(READY_PATIENT)).first()
    message = ""
    seen = story.of(READY_PATIENT, Appointment.Kind.TREATMENT)
    if ready is not None and seen and not Treatment.objects.for_patient(ready).exists():
        treatment = _treatment_on(
            seen=seen[0],
            patient=ready,
            injector=people[seen[0].injector],
            location=places[seen[0].location],
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
        # Signing's rule booked the review when the treatment was signed, two weeks ago
        # (around the story's bookings): today at the treatment's time, whatever the
        # hour the demo is made (made after the day's last time, it went to day 28).
        try:
            appointment = book_review(
                treatment=treatment, days=14, by=injector, now=treatment.signed_at
            )
            when = timezone.localtime(appointment.starts_at)
            message = f"; {ready.full_name}'s review is booked {when:%a %H:%M}"
        except SchedulingError as exc:
            message = f"; {ready.full_name}'s review is due ({exc})"
    steps = _next_steps()
    out.write(f"reviews: {made} treatments of the story with their reviews{message}{steps}")


# Invented staged steps (issue 20), recorded through their rule at the two latest signed
# reviews: the front desk's "Next steps to book" and the patient page show them.
DEMO_STEPS = [
    (NextStepKind.FILLER, "Tear-trough filler once the toxin has settled (demo).", ""),
    (
        NextStepKind.REFERRAL,
        "Brow ptosis from skin laxity: surgical opinion before any forehead treatment (demo).",
        "Oculoplastic surgeon (demo)",
    ),
]


def _next_steps() -> str:
    reviews = list(
        Review.objects.signed()
        .select_related("treatment", "visit", "signed_by")
        .order_by("-visit__date", "-pk")[: len(DEMO_STEPS)]
    )
    for review, (kind, detail, refer_to) in zip(reviews, DEMO_STEPS, strict=False):
        record_next_step(
            review=review,
            kind=kind,
            detail=detail,
            refer_to=refer_to,
            due_on=max(
                review_timing.treated_day(review.treatment) + datetime.timedelta(weeks=3),
                timezone.localdate() + datetime.timedelta(days=7),
            ),
            by=review.signed_by,
        )
    return f"; {len(reviews)} staged next steps to book" if reviews else ""
