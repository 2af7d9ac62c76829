"""Test data for charting: lots, vials, a final plan, consent, a chart (invented)."""

from __future__ import annotations

import base64
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from charting.chart import chart_from_plan
from charting.consent import record_consent
from charting.due_reviews import record_due_review
from charting.models import ConsentText, DueReview, Lot, Treatment, Vial
from planning.choices import PlanStatus, VisitKind
from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan
from tests.planning.factories import make_visit, screen

GLABELLAR = [
    ("CORR", "R", 4),
    ("CORR", "R", 4),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]


def botox() -> Product:
    return Product.objects.get(code="botox-cosmetic")


def make_lot(*, product=None, number="TL-1001", expiry_days=365, status="active", note=""):
    return Lot.objects.create(
        product=product or botox(),
        number=number,
        expiry_date=timezone.localdate() + datetime.timedelta(days=expiry_days),
        vial_count=10,
        status=status,
        status_note=note,
    )


def make_vial(*, lot=None, by, at=None, vial_units=100, diluent_ml="2.50"):
    return Vial.objects.create(
        lot=lot or make_lot(),
        vial_units=vial_units,
        diluent_ml=Decimal(diluent_ml),
        reconstituted_at=at or timezone.now() - datetime.timedelta(minutes=10),
        reconstituted_by=by,
    )


def make_plan(*, visit, by, points=GLABELLAR, product=None, final=True) -> TreatmentPlan:
    now = timezone.now()
    plan = TreatmentPlan.objects.create(
        visit=visit,
        product=product or botox(),
        status=PlanStatus.FINAL if final else PlanStatus.DRAFT,
        vial_units=100,
        diluent_ml=Decimal("2.50"),
        created_by=by,
        finalized_at=now if final else None,
    )
    muscles = Muscle.objects.in_bulk(field_name="code")
    for i, (code, side, units) in enumerate(points):
        InjectionPoint.objects.create(
            plan=plan,
            muscle=muscles[code],
            side=side,
            x=(Decimal("0.3") + Decimal(i % 12) / 20),
            y=Decimal("0.3"),
            units=Decimal(units),
            order=i,
        )
    return plan


def signature_png(size=(600, 200), *, strokes=True) -> bytes:
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    if strokes:
        draw = ImageDraw.Draw(image)
        w, h = size
        draw.line(
            [(w * 0.1, h * 0.6), (w * 0.3, h * 0.3), (w * 0.5, h * 0.7), (w * 0.8, h * 0.35)],
            fill=(0, 0, 0, 255),
            width=4,
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def make_consent(*, visit, plan, by):
    return record_consent(
        visit=visit,
        plan=plan,
        consent_text=ConsentText.objects.current(),
        signed_name=visit.patient.full_name,
        signature_data_url=data_url(signature_png()),
        by=by,
    )


def treatment_visit(*, patient, injector, location=None):
    """A treatment visit today, screened clear, with a final glabellar plan."""
    visit = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, location=location
    )
    screen(visit, injector, at=timezone.now())
    plan = make_plan(visit=visit, by=injector)
    return visit, plan


def charted(*, patient, injector, consent=True, vial=True, location=None):
    """A chart started from the plan; with consent and every injection on one vial."""
    visit, plan = treatment_visit(patient=patient, injector=injector, location=location)
    if consent:
        make_consent(visit=visit, plan=plan, by=injector)
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    if vial:
        lot = Lot.objects.filter(product=botox(), number="TL-1001").first()
        v = make_vial(by=injector, lot=lot)
        treatment.injections.update(vial=v)
    return treatment


def make_due_review(*, patient, injector, location=None, treated_days_ago: int = 16) -> DueReview:
    """The review due for a chart started ``treated_days_ago`` days ago, not booked."""
    treatment = charted(patient=patient, injector=injector, location=location)
    started = timezone.now() - datetime.timedelta(days=treated_days_ago)
    Treatment.objects.filter(pk=treatment.pk).update(started_at=started)
    treatment.refresh_from_db()
    return record_due_review(treatment=treatment, days=14, by=injector)
