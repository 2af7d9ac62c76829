"""The planning floor: visits, screenings, movement maps, plans and photos (invented)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from planning.choices import PlanStatus, VisitKind, VisitStatus
from planning.models import (
    Expression,
    InjectionPoint,
    MeasurementStatus,
    Muscle,
    Photo,
    PhotoMeasurement,
    Product,
    TreatmentPlan,
    Visit,
)
from planning.movement import CellInput, save_observations
from planning.photos import store_photo
from planning.screening import QUESTIONS, record_screening

ALL_NO = {q.code: False for q in QUESTIONS}

# The label's glabellar dose: 5 × 4 U (corrugators 8 U a side, procerus 4 U midline).
GLABELLAR = [
    ("CORR", "R", 4),
    ("CORR", "R", 4),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]
# A frown whose left corrugator moves more (the baseline a review compares against).
BASELINE = {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "FROWN.PROC.C": 2, "REST.CORR.L": 1}

# EXIF tags of the test photos.
ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110
GPS_IFD = 0x8825


def botox() -> Product:
    return Product.objects.get(code="botox-cosmetic")


def make_visit(
    *,
    patient,
    injector,
    location=None,
    days_ago: int = 0,
    kind: str = VisitKind.CONSULTATION,
    status: str | None = None,
    screened: bool = False,
) -> Visit:
    """A visit ``days_ago`` days ago (open today, completed before) at the injector's
    location; screened clear at 09:00 that day when ``screened``."""
    visit = Visit.objects.create(
        patient=patient,
        injector=injector,
        location=location or injector.default_location or patient.home_location,
        created_by=injector,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        kind=kind,
        status=status or (VisitStatus.OPEN if days_ago == 0 else VisitStatus.COMPLETED),
    )
    if screened:
        screen(visit, injector)
    return visit


def screen(visit, by, *, yes=(), at: datetime.datetime | None = None, **fields):
    """The screening through its rules: every answer no but ``yes``; at 09:00 on the
    visit's day unless told."""
    answers = {**ALL_NO, **dict.fromkeys(yes, True)}
    if at is None:
        at = timezone.make_aware(datetime.datetime.combine(visit.date, datetime.time(9, 0)))
    return record_screening(visit=visit, by=by, answers=answers, now=at, **fields)


def grade(visit, by, cells: dict[str, int]):
    """The movement map through its rules; cells: {"FROWN.CORR.L": 3, ...}."""
    inputs = [CellInput(*key.split("."), grade=value) for key, value in cells.items()]
    return save_observations(visit=visit, by=by, cells=inputs)


def make_plan(
    *,
    visit,
    by,
    product: Product | None = None,
    points=(),
    final: bool = False,
    vial: int | None = None,
    diluent: str = "2.50",
) -> TreatmentPlan:
    """A plan of ``points`` ((muscle code, side, units) rows), a draft unless ``final``,
    of BOTOX Cosmetic in its largest vial unless told. No two points share a place."""
    product = product or botox()
    plan = TreatmentPlan.objects.create(
        visit=visit,
        product=product,
        vial_units=vial or max(product.vial_sizes),
        diluent_ml=Decimal(diluent),
        created_by=by,
    )
    muscles = Muscle.objects.in_bulk(field_name="code")
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            plan=plan,
            muscle=muscles[code],
            side=side,
            units=Decimal(str(units)),
            x=Decimal("0.3") + Decimal(n % 12) / 20,
            y=Decimal("0.3"),
            order=n,
        )
        for n, (code, side, units) in enumerate(points)
    )
    if final:  # its points first: a final plan's points never change (planning/0016)
        plan.status, plan.finalized_at = PlanStatus.FINAL, timezone.now()
        plan.save(update_fields=["status", "finalized_at"])
    return plan


def jpeg_bytes(size=(40, 20), *, orientation: int | None = None, gps: bool = False, color="red"):
    """A JPEG from a camera: maker and model, optionally turned and with a GPS position."""
    image = Image.new("RGB", size, color)
    # A marker: the left half red, the right half blue, to check rotation.
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[MAKE] = "InventedCam"
    exif[MODEL] = "Model 7"
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_photo(*, visit, by=None, data: bytes | None = None, expression=None, moment=""):
    """A photo stored through planning.photos (a small JPEG unless ``data`` is given)."""
    return store_photo(
        visit=visit,
        by=by or visit.injector,
        upload=upload(jpeg_bytes((60, 80)) if data is None else data),
        expression=expression,
        moment=moment,
    )


# A measuring model as the engine records it (invented values for the display's tests).
MEASURING_MODEL = ("MediaPipe Face Landmarker", "0.10.14")


def measured_photo(
    *,
    visit,
    expression: str = "REST",
    moment: str = "rest",
    values: dict | None = None,
    status: str = MeasurementStatus.MEASURED,
    reason: str = "",
    patient_uploaded: bool = False,
):
    """A photo of ``expression`` (a code) at ``moment`` and its measurement row as the
    measuring task leaves it: ``values`` in mm per measure and side (the patient's own),
    or a pending / unusable / failed row with its ``reason`` (the row storing a photo
    made pending, rewritten as the task would). No row when status is ""."""
    photo = make_photo(
        visit=visit, expression=Expression.objects.get(code=expression), moment=moment
    )
    if patient_uploaded:
        Photo.objects.filter(pk=photo.pk).update(patient_uploaded=True)
        photo.patient_uploaded = True
    if not status:
        PhotoMeasurement.objects.filter(photo=photo).delete()
        return photo
    measured = status == MeasurementStatus.MEASURED
    PhotoMeasurement.objects.update_or_create(
        photo=photo,
        defaults={
            "status": status,
            "reason": reason,
            "model_name": MEASURING_MODEL[0] if measured else "",
            "model_version": MEASURING_MODEL[1] if measured else "",
            "iris_px": 48.0 if measured else None,
            "mm_per_px": 11.7 / 48.0 if measured else None,
            "values": values or {},
        },
    )
    return photo
