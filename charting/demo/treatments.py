"""Invented demo data for charting: lots (one expired, one recalled), vials, and
signed past treatments of planning's demo treatment visits, plus one visit today
ready to chart (screened, final plan, no consent yet). Idempotent."""

from __future__ import annotations

import base64
import datetime
import hashlib
import io
from decimal import Decimal
from importlib import import_module

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from charting.chart import dose_checks, injections_from_points
from charting.choices import LotStatus
from charting.consent import DATA_URL_PREFIX, clean_signature, consent_areas, product_name
from charting.due_reviews import record_due_review
from charting.errors import ChartingError
from charting.lots import record_waste, set_lot_status
from charting.models import Consent, ConsentText, Injection, Lot, Treatment, Vial
from charting.review_timing import REVIEW_DAYS
from charting.signing import record_dose_checks, seal, signing_refusals
from clinic.demo_story import DemoVisit, Story, resolve
from clinic.models import Appointment, Location, Patient, User
from clinic.patients import chart_number_for
from planning.choices import Outcome, PlanStatus, VisitKind, VisitStatus
from planning.dosing import BLOCK
from planning.models import InjectionPoint, Muscle, Product, Screening, TreatmentPlan, Visit
from planning.screening import QUESTIONS, record_screening

# product code, lot number, expiry (days from today), status, note
DEMO_LOTS = [
    ("botox-cosmetic", "C3702A4", 420, LotStatus.ACTIVE, ""),
    ("botox-cosmetic", "C3519B2", -20, LotStatus.ACTIVE, ""),
    ("botox-cosmetic", "C3650C1", 300, LotStatus.RECALLED, "Manufacturer recall notice (demo)"),
    ("dysport", "DY-88213", 380, LotStatus.ACTIVE, ""),
    ("daxxify", "DX-40017", 500, LotStatus.ACTIVE, ""),
]

# Glabellar pattern, 5 × 4 U [label]: muscle, side, x, y (fractions of the diagram).
GLABELLAR = [
    ("CORR", "R", "0.3900", "0.3050"),
    ("CORR", "R", "0.4400", "0.3250"),
    ("PROC", "C", "0.5000", "0.3400"),
    ("CORR", "L", "0.5600", "0.3250"),
    ("CORR", "L", "0.6100", "0.3050"),
]
# the demo patient's number (clinic.patients.chart_number_for) of planning's demo
# treatment visit, lot used, units changed from the plan
PAST = {1: ("C3519B2", {}), 2: ("C3650C1", {1: Decimal("5")})}
TODAY_PATIENT = 5
DEMO_INJECTORS = ("injector@demo.clinic", "injector2@demo.clinic")
# Treated (clinic.demo_story), review not booked: on the front desk's reviews-due list
# (the last two overdue).
REVIEWS_DUE = (37, 38, 39, 40)


def demo_story() -> Story:
    """The demo's story dated now, with the review window of ``review_timing`` (when a
    demo module runs on its own; ``seed_demo`` dates it once for all of them)."""
    return resolve(now=timezone.now(), review_days=REVIEW_DAYS)


def demo_signature(name: str) -> bytes:
    """A drawn scribble (no real signature), as a PNG."""
    image = Image.new("RGBA", (600, 200), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    seed = sum(map(ord, name))
    points = [(40 + i * 26, 110 + ((seed * (i + 3)) % 60) - 30) for i in range(20)]
    draw.line(points, fill=(17, 24, 39, 255), width=4, joint="curve")
    draw.line([(60, 150), (520, 140)], fill=(17, 24, 39, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def final_plan(
    *,
    visit: Visit,
    product: Product,
    by: User,
    at,
    units: dict[int, Decimal] | None = None,
    more=(),
) -> TreatmentPlan:
    """The visit's final glabellar plan (5 points of 4 U, ``units`` overriding some by
    position, and the ``more`` points: (muscle code, side, x, y, units)), made once."""
    plan = visit.plans.filter(status=PlanStatus.FINAL).first()
    if plan is not None:
        return plan
    plan = TreatmentPlan.objects.create(
        visit=visit,
        product=product,
        vial_units=100,
        diluent_ml=Decimal("2.50"),
        created_by=by,
        created_at=at,
    )
    muscles = Muscle.objects.in_bulk(field_name="code")
    units = units or {}
    rows = [(code, side, x, y, units.get(i, 4)) for i, (code, side, x, y) in enumerate(GLABELLAR)]
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            plan=plan,
            muscle=muscles[code],
            side=side,
            x=Decimal(x),
            y=Decimal(y),
            units=Decimal(dose),
            order=i,
        )
        for i, (code, side, x, y, dose) in enumerate([*rows, *more])
    )
    # final once its points are in: a final plan's points never change (planning/0016)
    plan.status, plan.finalized_at, plan.finalized_by = PlanStatus.FINAL, at, by
    plan.save(update_fields=["status", "finalized_at", "finalized_by"])
    return plan


DEMO_ACKNOWLEDGMENT = "Discussed with the patient; goes ahead (invented demo note)."


def demo_dose_checks(*, treatment: Treatment, checks) -> None:
    """The demo's door to the dose rules: a demo record that a rule blocks is a bug in
    the demo (refused here), a warning that asks for one gets the demo's acknowledgment,
    and the checks and the vial's waste are stored as signing stores them."""
    blocks = [c.message for c in checks if c.level == BLOCK]
    if blocks:
        raise ChartingError(f"The demo data breaks a dose rule: {' '.join(blocks)}")
    acknowledgment = DEMO_ACKNOWLEDGMENT if any(c.needs_ack for c in checks) else ""
    record_dose_checks(treatment=treatment, checks=checks, acknowledgment=acknowledgment)
    record_waste(treatment=treatment)  # what is left in its vial is waste, as at signing


def charted_and_signed(
    *,
    visit: Visit,
    plan: TreatmentPlan,
    lot: Lot,
    by: User,
    at,
    given: dict[int, Decimal] | None = None,
    wasted: Decimal = Decimal("0"),
) -> Treatment:
    """A past treatment of ``plan`` at ``at``: the screening (all answers no, when the
    visit has none yet), the consent, the vial, the chart (units as planned, ``given``
    overriding some by position), signed through the signing rule's checklist
    (``signed``)."""
    if not Screening.objects.filter(visit=visit).exists():
        record_screening(
            visit=visit,
            by=by,
            answers=dict.fromkeys((q.code for q in QUESTIONS), False),
            now=at - datetime.timedelta(minutes=30),
        )
    text = ConsentText.objects.current()
    areas, off_label = consent_areas(plan=plan)
    # The consent page's rule for a signature (a scribble of a name, not a stroke).
    drawn = demo_signature(visit.patient.full_name)
    png = clean_signature(DATA_URL_PREFIX + base64.b64encode(drawn).decode("ascii"))
    Consent.objects.create(
        visit=visit,
        consent_text=text,
        text_shown=text.body,
        product_name=product_name(plan.product),
        areas="\n".join(areas),
        off_label="\n".join(off_label),
        signed_name=visit.patient.full_name,
        signature_png=png,
        signature_sha256=hashlib.sha256(png).hexdigest(),
        witnessed_by=by,
        signed_at=at - datetime.timedelta(minutes=20),
    )
    vial = Vial.objects.create(
        lot=lot,
        vial_units=plan.vial_units,
        diluent_ml=plan.diluent_ml,
        reconstituted_at=at - datetime.timedelta(minutes=40),
        reconstituted_by=by,
    )
    treatment = Treatment.objects.create(
        visit=visit,
        plan=plan,
        product=plan.product,
        started_at=at,
        started_by=by,
        updated_by=by,
        wasted_units=wasted,
        aftercare_given=True,
    )
    points = plan.points.select_related("muscle").order_by("order", "id")
    Injection.objects.bulk_create(
        injections_from_points(treatment=treatment, points=points, vial=vial, given=given)
    )
    demo_dose_checks(treatment=treatment, checks=dose_checks(treatment=treatment))
    return signed(
        treatment=treatment,
        by=by,
        at=(at + datetime.timedelta(minutes=25)).astimezone(datetime.UTC),
        review_days=14,
    )


def signed(*, treatment: Treatment, by: User, at, review_days=None, cycle_visit=None):
    """``seal`` after the signing rule's checklist (``signing_refusals``: the consent,
    the screening, the injections and their vials), as the chart page and the review
    sign: the demo signs nothing the page would refuse (a refusal is a demo bug)."""
    refusals = signing_refusals(treatment=treatment, at=at, cycle_visit=cycle_visit)
    if refusals:
        raise RuntimeError(f"demo chart of visit {treatment.visit_id} refused: {refusals}")
    return seal(treatment=treatment, by=by, at=at, review_days=review_days)


def _signed_past_treatment(
    *, visit: Visit, seen: DemoVisit, lot: Lot, changes: dict, by: User
) -> Treatment:
    """``visit`` charted and signed at its appointment (``seen``, the story's visit)."""
    at = seen.starts_at
    plan = final_plan(visit=visit, product=lot.product, by=by, at=at)
    return charted_and_signed(
        visit=visit, plan=plan, lot=lot, by=by, at=at, given=changes, wasted=Decimal("1")
    )


def _reviews_due(*, lot: Lot, story: Story, people: dict) -> int:
    """Signed treatments whose review is due and not booked (the desk's list)."""
    places = Location.objects.in_bulk(field_name="name")
    made = 0
    for chart in REVIEWS_DUE:
        patient = Patient.objects.filter(chart_number=chart_number_for(chart)).first()
        seen = [v for v in story.of(chart, Appointment.Kind.TREATMENT) if v.done]
        if (
            patient is None
            or not seen
            or Visit.objects.filter(patient=patient, kind=VisitKind.TREATMENT).exists()
        ):
            continue
        injector = people[seen[0].injector]
        visit = Visit.objects.create(
            patient=patient,
            date=seen[0].day,
            kind=VisitKind.TREATMENT,
            location=places[seen[0].location],
            injector=injector,
            created_by=injector,
            status=VisitStatus.COMPLETED,
            created_at=seen[0].starts_at,
        )
        treatment = _signed_past_treatment(
            visit=visit, seen=seen[0], lot=lot, changes={}, by=injector
        )
        record_due_review(treatment=treatment, days=14, by=injector)
        made += 1
    return made


def _visit_ready_to_chart(*, story: Story, people: dict, product: Product) -> Visit | None:
    """The story's treatment of ``TODAY_PATIENT`` (arrived today, or on the next day the
    clinic is open): the visit screened and planned, not charted."""
    patient = Patient.objects.filter(chart_number=chart_number_for(TODAY_PATIENT)).first()
    seen = story.of(TODAY_PATIENT, Appointment.Kind.TREATMENT)
    if patient is None or not seen:
        return None
    injector = people[seen[0].injector]
    visit, created = Visit.objects.get_or_create(
        patient=patient,
        kind=VisitKind.TREATMENT,
        defaults={
            "date": seen[0].day,
            "location": Location.objects.get(name=seen[0].location),
            "injector": injector,
            "created_by": injector,
            "status": VisitStatus.OPEN,
        },
    )
    if created:
        screening = record_screening(
            visit=visit, by=injector, answers=dict.fromkeys((q.code for q in QUESTIONS), False)
        )
        if screening.outcome != Outcome.CLEAR:
            raise RuntimeError("The demo's treatment visit must screen clear.")
    final_plan(visit=visit, product=product, by=injector, at=timezone.now())
    return visit


def ensure_consent_text() -> None:
    """Load consent text v1 of the data migration again if it is missing (a test
    database flushed between browser tests has none). Idempotent."""
    if ConsentText.objects.exists():
        return
    migration = import_module("charting.migrations.0002_consent_text_v1")
    migration.add_v1(django_apps, None)


@transaction.atomic
def seed(out, *, story: Story | None = None) -> None:
    ensure_consent_text()
    injector = User.objects.filter(email="injector@demo.clinic").first()
    if injector is None:
        out.write("charting: no demo injector (run the clinic demo first)")
        return
    today = timezone.localdate()
    products = Product.objects.in_bulk(field_name="code")
    lots = {}
    new_lots = set()
    for code, number, days, _status, _note in DEMO_LOTS:
        lots[number] = Lot.objects.filter(product=products[code], number=number).first()
        if lots[number] is None:
            # Active when received; a recall comes after the past charts that used it.
            lots[number] = Lot(
                product=products[code],
                number=number,
                expiry_date=today + datetime.timedelta(days=days),
                received_on=today - datetime.timedelta(days=240),
                vial_count=20,
            )
            lots[number].full_clean()  # the lot's rules, as the lot page and the admin
            lots[number].save()
            new_lots.add(number)
    story = story or demo_story()
    people = {u.email: u for u in User.objects.filter(email__in=DEMO_INJECTORS)}
    signed = 0
    for chart, (lot_number, changes) in PAST.items():
        visit = (
            Visit.objects.treatments()
            .filter(
                patient__chart_number=chart_number_for(chart),
                date__lt=today,
                treatment__isnull=True,
            )
            .order_by("date")
            .first()
        )
        seen = [
            v
            for v in story.of(chart, Appointment.Kind.TREATMENT)
            if v.day == getattr(visit, "date", None)
        ]
        if visit is not None and seen:
            _signed_past_treatment(
                visit=visit,
                seen=seen[0],
                lot=lots[lot_number],
                changes=changes,
                by=people[seen[0].injector],
            )
            signed += 1
    for _code, number, _days, status, note in DEMO_LOTS:
        if number in new_lots and status != LotStatus.ACTIVE:  # the lot page's rule
            lots[number] = set_lot_status(lot=lots[number], status=status, note=note)
    due = _reviews_due(lot=lots["C3702A4"], story=story, people=people)
    ready = _visit_ready_to_chart(story=story, people=people, product=products["botox-cosmetic"])
    out.write(
        f"charting: {len(lots)} lots (C3519B2 expired, C3650C1 recalled), {signed} new signed "
        f"treatments, {due} reviews due; visit {ready.pk if ready else '-'} "
        f"({chart_number_for(TODAY_PATIENT)}) "
        "is ready to chart today"
    )
