"""The charting floor: lots and vials, consent, a charted treatment and a signed one
(through charting's own rules), the review a treatment is owed (invented)."""

from __future__ import annotations

import base64
import datetime
import io
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from PIL import Image, ImageDraw

from charting.chart import chart_from_plan
from charting.choices import LotStatus
from charting.consent import record_consent
from charting.due_reviews import record_due_review
from charting.models import ConsentText, DueReview, Lot, Treatment, Vial
from charting.signing import sign_treatment
from planning.choices import VisitKind

from .clinic import PASSWORD
from .planning import BASELINE, GLABELLAR, botox, grade, make_plan, make_visit, screen

DEFAULT_LOT = "TL-1001"


def make_lot(
    *, product=None, number=DEFAULT_LOT, expiry_days=365, status=LotStatus.ACTIVE, note=""
):
    """A lot of ten vials (BOTOX Cosmetic unless told) expiring in ``expiry_days``."""
    return Lot.objects.create(
        product=product or botox(),
        number=number,
        expiry_date=timezone.localdate() + datetime.timedelta(days=expiry_days),
        vial_count=10,
        status=status,
        status_note=note,
    )


def make_vial(*, by, lot=None, product=None, at=None, vial_units=None, diluent_ml="2.50") -> Vial:
    """A vial reconstituted ten minutes ago, in the product's largest size; from
    ``lot``, else from the clinic's lot TL-1001 of ``product`` (BOTOX Cosmetic
    unless told), made the first time it is asked for."""
    if lot is None:
        product = product or botox()
        lot = Lot.objects.filter(product=product, number=DEFAULT_LOT).first()
        lot = lot or make_lot(product=product)
    return Vial.objects.create(
        lot=lot,
        vial_units=vial_units or max(lot.product.vial_sizes),
        diluent_ml=Decimal(diluent_ml),
        reconstituted_at=at or timezone.now() - datetime.timedelta(minutes=10),
        reconstituted_by=by,
    )


def signature_png(size=(600, 200), *, strokes=True) -> bytes:
    """A signature as the pad sends it: a stroke across a white PNG (blank without)."""
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
    """The patient's consent to ``plan``, signed on the pad, through charting.consent."""
    return record_consent(
        visit=visit,
        plan=plan,
        consent_text=ConsentText.objects.current(),
        signed_name=visit.patient.full_name,
        signature_data_url=data_url(signature_png()),
        by=by,
    )


def treatment_visit(
    *, patient, injector, location=None, product=None, points=GLABELLAR, baseline=BASELINE
):
    """A treatment visit today, screened clear now, its movement map graded
    (``baseline``; none when empty) and a final plan of ``points``: (visit, plan)."""
    visit = make_visit(
        patient=patient, injector=injector, location=location, kind=VisitKind.TREATMENT
    )
    screen(visit, injector, at=timezone.now())
    if baseline:
        grade(visit, injector, baseline)
    plan = make_plan(visit=visit, by=injector, product=product, points=points, final=True)
    return visit, plan


def charted_treatment(
    *,
    patient,
    injector,
    consent: bool = True,
    vial: Vial | Literal[False] | None = None,
    started_at: datetime.datetime | None = None,
    **visit,
) -> Treatment:
    """The chart of a treatment visit (``treatment_visit``'s arguments), started from
    its plan: with the patient's consent unless told, every injection drawn from
    ``vial`` (a new one of the plan's product unless given; False leaves them
    without), started at ``started_at`` when given. Not signed."""
    visit, plan = treatment_visit(patient=patient, injector=injector, **visit)
    if consent:
        make_consent(visit=visit, plan=plan, by=injector)
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    if vial is None:
        vial = make_vial(by=injector, product=plan.product)
    if vial is not False:
        treatment.injections.update(vial=vial)
    if started_at is not None:
        Treatment.objects.filter(pk=treatment.pk).update(started_at=started_at)
        treatment.refresh_from_db()
    return treatment


def signed_treatment(*, patient, injector, **chart) -> Treatment:
    """A charted treatment (``charted_treatment``'s arguments) signed through
    charting.signing, which books its two-week review."""
    treatment = charted_treatment(patient=patient, injector=injector, **chart)
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def days_ago(days: int) -> datetime.datetime:
    """This time of day ``days`` days ago on the clinic's clock (``TIME_ZONE``): so its
    local date is ``days`` before today's at any hour. ``timezone.now() - timedelta``
    is that many 24-hour days back, and across a change of the clocks it lands on the
    day after from 23:00 to midnight (the CI run that started at 23:15 in New York in
    December, with a treatment in October)."""
    return timezone.localtime() - datetime.timedelta(days=days)


def make_due_review(*, patient, injector, location=None, treated_days_ago: int = 16) -> DueReview:
    """The review owed for a chart started ``treated_days_ago`` days ago, not booked."""
    treatment = charted_treatment(
        patient=patient,
        injector=injector,
        location=location,
        started_at=days_ago(treated_days_ago),
    )
    return record_due_review(treatment=treatment, days=14, by=injector)
