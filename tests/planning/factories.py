"""Test data for the consultation: visits, screenings, maps and photos (invented)."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from planning.choices import VisitKind
from planning.models import Visit
from planning.movement import CellInput, save_observations
from planning.photos import store_photo
from planning.screening import QUESTIONS, record_screening

ALL_NO = {q.code: False for q in QUESTIONS}

ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110
GPS_IFD = 0x8825


def make_visit(*, patient, injector, days_ago: int = 0, kind=VisitKind.CONSULTATION, **extra):
    location = extra.pop("location", None) or injector.default_location or patient.home_location
    return Visit.objects.create(
        patient=patient,
        injector=injector,
        location=location,
        created_by=injector,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        kind=kind,
        **extra,
    )


def screen(visit, by, *, yes=(), at: datetime.datetime | None = None, **fields):
    answers = {**ALL_NO, **dict.fromkeys(yes, True)}
    if at is None:
        at = timezone.make_aware(datetime.datetime.combine(visit.date, datetime.time(9, 0)))
    return record_screening(visit=visit, by=by, answers=answers, now=at, **fields)


def grade(visit, by, cells: dict[str, int]):
    """cells: {"FROWN.CORR.L": 3, ...}"""
    inputs = [CellInput(*key.split("."), grade=value) for key, value in cells.items()]
    return save_observations(visit=visit, by=by, cells=inputs)


def jpeg_bytes(size=(40, 20), *, orientation: int | None = None, gps: bool = False, color="red"):
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


def make_photo(*, visit, by=None, expression=None, moment=""):
    return store_photo(
        visit=visit,
        by=by or visit.injector,
        upload=upload(jpeg_bytes((60, 80))),
        expression=expression,
        moment=moment,
    )
