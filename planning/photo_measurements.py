"""Measuring a stored photo (issue 21): the rule behind ``planning.tasks.measure_photo``.

Every stored photo gets one ``PhotoMeasurement`` (pending) when it is saved
(``planning.photos.queue_measurement``), and the task fills it after the commit:
measured, unusable with the reason in words, or failed. A measurement is shown to
the injector, never used by a dose rule. Nothing about the patient is logged: only
the photo's id and the outcome.
"""

from __future__ import annotations

import io
import logging
import time

import numpy as np
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from PIL import Image

from .models import Photo, PhotoMeasurement
from .models.photos import MeasurementStatus

log = logging.getLogger(__name__)

PATIENT_UPLOADED_REASON = "sent by the patient: orientation not verified, not measured per side"


def read_rgb(photo: Photo) -> np.ndarray:
    """The stored (clean) photo's pixels, read through the private storage."""
    with storages["private"].open(photo.file_name, "rb") as handle:
        data = handle.read()
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def measure_stored_photo(*, photo_id: int) -> PhotoMeasurement | None:
    """Measure one photo; safe to run twice (a finished row is left as it is).
    None when the photo is gone (deleted before the task ran)."""
    with transaction.atomic():
        row = (
            PhotoMeasurement.objects.select_for_update()
            .select_related("photo")
            .filter(photo_id=photo_id)
            .first()
        )
        if row is None:
            photo = Photo.objects.filter(pk=photo_id).first()
            if photo is None:
                return None
            row, _ = PhotoMeasurement.objects.get_or_create(photo=photo)
        if row.status != MeasurementStatus.PENDING:
            return row
        photo = row.photo
        if photo.patient_uploaded:
            row.status = MeasurementStatus.UNUSABLE
            row.reason = PATIENT_UPLOADED_REASON
            row.computed_at = timezone.now()
            row.save(update_fields=["status", "reason", "computed_at"])
            return row
    started = time.process_time()
    fields = ["status", "reason", "computed_at", "cpu_seconds"]
    try:
        from . import face_measure

        result = face_measure.measure_face(read_rgb(photo))
    except Exception as exc:  # noqa: BLE001 - a failed measurement is recorded, not raised
        log.warning("measurement of photo %s failed: %s", photo_id, type(exc).__name__)
        row.status = MeasurementStatus.FAILED
        row.reason = f"The measurement failed ({type(exc).__name__}); the photo is kept."
    else:
        row.status = MeasurementStatus.MEASURED if result.usable else MeasurementStatus.UNUSABLE
        row.reason = result.reason or _partial(result.notes)
        row.model_name = result.model_name
        row.model_version = result.model_version
        row.method_version = result.method_version
        row.iris_px = result.iris_px
        row.mm_per_px = result.mm_per_px
        row.yaw_deg = result.yaw_deg
        row.roll_deg = result.roll_deg
        row.landmarks = result.landmarks
        row.values = result.values
        fields += [
            "model_name",
            "model_version",
            "method_version",
            "iris_px",
            "mm_per_px",
            "yaw_deg",
            "roll_deg",
            "landmarks",
            "values",
        ]
    row.computed_at = timezone.now()
    row.cpu_seconds = round(time.process_time() - started, 3)
    with transaction.atomic():
        # Only a row still pending is written: a second run that raced us loses.
        PhotoMeasurement.objects.filter(pk=row.pk, status=MeasurementStatus.PENDING).update(
            **{name: getattr(row, name) for name in fields}
        )
    row.refresh_from_db()
    log.info("photo %s measured: %s", photo_id, row.status)
    return row


def _partial(notes: dict[str, str]) -> str:
    """A measured photo's measures that could not be read, said in words."""
    from .measurements import MEASURES_BY_KEY

    return " ".join(
        f"{MEASURES_BY_KEY[key].label} not measured: {text}" for key, text in notes.items()
    )[:300]
