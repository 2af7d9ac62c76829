"""Consent rules: the signature image, what the consent names, recording and withdrawal.

The signature arrives from the pad as a PNG data URL. It is accepted only when
Pillow reads it as a real PNG of a sensible size with enough ink on it (not
blank, not a dot, not one short stroke: ``signature_refusal``), and it is stored
re-encoded from its pixels only. Every door that takes a signature calls
``clean_signature``: the consent page (``record_consent``) and the demo data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import math
import warnings

from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from clinic.models import User
from planning import sides
from planning.models import DoseRange, Product, TreatmentPlan, Visit

from . import prerender
from .errors import ChartingError
from .models import Consent, ConsentText

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_BYTES = 1_000_000
MIN_WIDTH, MIN_HEIGHT = 200, 80  # the pad is larger; smaller is "tiny"
MAX_SIDE = 4000
MIN_INK_PIXELS = 150  # a signature leaves at least this many drawn pixels
MIN_INK_SPAN = 40  # ... spread over at least this many pixels across
# Measured on the ink scaled to MEASURE_WIDTH pixels wide, so that the pad's pixel
# density does not matter (issue 17, finding 9: one short stroke was accepted):
MEASURE_WIDTH = 300
MIN_BOX_WIDTH = 0.25  # the ink spans at least a quarter of the box's width,
MIN_BOX_HEIGHT = 0.10  # and a tenth of its height (a straight dash is no signature);
MIN_INK_LENGTH = 0.6  # the strokes together are at least 0.6 × the box's width long

SHORT_STROKE = (
    "One short stroke is not a signature: the strokes must run across at least a quarter "
    "of the box and add up to more than half its width. Clear the box and ask the patient "
    "to sign their name."
)
FLAT_STROKE = (
    "A straight line is not a signature: ask the patient to sign their name across the "
    "box (clear it first)."
)


def _fail(message: str) -> ChartingError:
    return ChartingError(message, field="signature")


def _runs(line: bytes) -> int:
    """How many separate runs of ink a row or column of pixels crosses."""
    return sum(1 for i, v in enumerate(line) if v and (i == 0 or not line[i - 1]))


def ink_length(ink: Image.Image) -> float:
    """Roughly how long the strokes of ``ink`` (a mask, 0 = none) are, in its pixels:
    a stroke crosses each column it spans once and each row once, so a straight
    stroke of length L at angle θ gives L·cos θ column runs and L·sin θ row runs."""
    width, height = ink.size
    data = ink.tobytes()
    rows = sum(_runs(data[y * width : (y + 1) * width]) for y in range(height))
    columns = sum(_runs(data[x::width]) for x in range(width))
    return math.hypot(rows, columns)


def signature_refusal(ink: Image.Image) -> str | None:
    """Why the drawn ``ink`` (a mask) is not a signature, or None: one short stroke
    (too short in all, or spanning too little of the box) or a straight dash."""
    scale = MEASURE_WIDTH / ink.size[0]
    size = (MEASURE_WIDTH, max(1, round(ink.size[1] * scale)))
    small = ink.resize(size, Image.Resampling.BOX).point(lambda v: 255 if v >= 32 else 0)
    box = small.getbbox()
    if not box:
        return SHORT_STROKE
    if box[2] - box[0] < MIN_BOX_WIDTH * size[0] or ink_length(small) < MIN_INK_LENGTH * size[0]:
        return SHORT_STROKE
    if box[3] - box[1] < MIN_BOX_HEIGHT * size[1]:
        return FLAT_STROKE
    return None


def clean_signature(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature, re-encoded; refuses blank, tiny or non-PNG input."""
    data_url = (data_url or "").strip()
    if not data_url:
        raise _fail("The patient has not signed: ask them to sign in the box.")
    if not data_url.startswith(DATA_URL_PREFIX):
        raise _fail("The signature is not a PNG image: clear the box and sign again.")
    try:
        raw = base64.b64decode(data_url[len(DATA_URL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise _fail("The signature could not be read: clear the box and sign again.") from None
    if len(raw) > MAX_BYTES:
        raise _fail("The signature image is too large.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format != "PNG":
                raise _fail("The signature is not a PNG image: clear the box and sign again.")
            if max(image.size) > MAX_SIDE:
                raise _fail("The signature image is too large.")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, SyntaxError):
        raise _fail("The signature could not be read: clear the box and sign again.") from None
    width, height = image.size
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise _fail("The signature image is too small: sign in the full box.")
    rgba = image.convert("RGBA")
    # Ink: pixels that are opaque and not near-white (the pad draws dark strokes).
    alpha = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    ink = Image.composite(dark, Image.new("L", rgba.size, 0), alpha)
    ink_pixels = ink.size[0] * ink.size[1] - ink.histogram()[0]
    box = ink.getbbox()
    if not box or ink_pixels < MIN_INK_PIXELS:
        raise _fail("The signature box is empty: ask the patient to sign.")
    if max(box[2] - box[0], box[3] - box[1]) < MIN_INK_SPAN:
        raise _fail("The signature is too small to be a signature: sign across the box.")
    if reason := signature_refusal(ink):
        raise _fail(reason)
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return out.getvalue()


def product_name(product: Product) -> str:
    """The product as a consent names it: "BOTOX Cosmetic (onabotulinumtoxinA)"."""
    return f"{product.brand} ({product.generic_name})" if product.generic_name else product.brand


def consent_areas(*, plan: TreatmentPlan) -> tuple[list[str], list[str]]:
    """The areas of the plan (muscle and sides), and those outside the product's label.

    Two queries: the plan's points with muscles, the product's label muscles.
    """
    points = list(plan.points.select_related("muscle"))  # query: points and muscles
    label_muscles = set(
        DoseRange.objects.label()
        .for_product(plan.product_id)
        .values_list("muscles", flat=True)  # query: the label's muscles
    )
    by_muscle: dict = {}
    for point in points:
        by_muscle.setdefault(point.muscle, set()).add(point.side)
    areas, off_label = [], []
    for muscle, on in sorted(by_muscle.items(), key=lambda kv: (kv[0].order, kv[0].code)):
        line = f"{muscle.name} ({', '.join(sides.name(s) for s in sides.ordered(on))})"
        areas.append(line)
        if muscle.pk not in label_muscles:
            off_label.append(line)
    return areas, off_label


@transaction.atomic
def record_consent(
    *,
    visit: Visit,
    plan: TreatmentPlan,
    consent_text: ConsentText,
    signed_name: str,
    signature_data_url: str,
    by: User,
) -> Consent:
    signed_name = " ".join((signed_name or "").split())
    if not signed_name:
        raise ChartingError("Type the patient's name as they signed.", field="signed_name")
    if plan.visit_id != visit.pk:
        raise ChartingError("This plan belongs to another visit.")
    png = clean_signature(signature_data_url)
    areas, off_label = consent_areas(plan=plan)
    if not areas:
        raise ChartingError("The plan has no injection points: finish the plan first.")
    consent = Consent(
        visit=visit,
        consent_text=consent_text,
        text_shown=consent_text.body,
        product_name=product_name(plan.product),
        areas="\n".join(areas),
        off_label="\n".join(off_label),
        signed_name=signed_name,
        signature_png=png,
        signature_sha256=hashlib.sha256(png).hexdigest(),
        witnessed_by=by,
        signed_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError:
        raise ChartingError(
            "This visit already has a consent in force: withdraw it first to take a new one."
        ) from None
    return consent


@transaction.atomic
def withdraw_consent(*, consent: Consent, reason: str, by: User) -> Consent:
    """The patient withdraws: the consent stays on record, marked withdrawn."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ChartingError("Say why the consent is withdrawn.", field="reason")
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ChartingError("This consent is already withdrawn.")
    consent.withdrawn_at, consent.withdrawn_by, consent.withdrawal_reason = (
        timezone.now(),
        by,
        reason,
    )
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    prerender.consent_withdrawn(consent=consent)  # the record prints the withdrawal
    return consent


def consent_in_force(*, visit: Visit) -> Consent | None:
    return Consent.objects.for_visit(visit).in_force().select_related("witnessed_by").first()
