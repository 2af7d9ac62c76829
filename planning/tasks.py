"""Celery tasks of the planning app: thin and idempotent."""

from __future__ import annotations

from celery import shared_task

from . import outside_dose_import


@shared_task(name="planning.forget_old_dose_imports")
def forget_old_dose_imports() -> int:
    """Beat runs this daily: files of past toxin treatments uploaded and never
    imported go after ``clinic.patient_import.KEEP`` (they hold patient data)."""
    return outside_dose_import.forget_old_imports()


@shared_task(name="planning.tasks.measure_photo")
def measure_photo(photo_id: int) -> str | None:
    """Measure one stored photo (planning.photo_measurements); safe to run twice."""
    from .photo_measurements import measure_stored_photo

    row = measure_stored_photo(photo_id=photo_id)
    return None if row is None else row.status
