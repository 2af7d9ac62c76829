"""Clinical photos. Files live in the "private" storage (settings.STORAGES),
outside every public URL, and are served only by a permission-checked view."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..choices import PhotoMoment
from .locking import LockedByVisit, LockedByVisitQuerySet
from .reference import Expression
from .visits import Visit


class PhotoQuerySet(LockedByVisitQuerySet):
    def for_visit(self, visit):
        return self.filter(visit=visit)


class Photo(LockedByVisit):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "visit__patient_id"
    locked_what = "photos"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    expression = models.ForeignKey(
        Expression, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moment = models.CharField(max_length=10, choices=PhotoMoment.choices, blank=True)
    # Names inside the private storage (never under MEDIA_URL); metadata stripped.
    file_name = models.CharField(max_length=200, unique=True)
    thumbnail_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=40, default="image/jpeg")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Sent by the patient with the pre-visit intake (planning.intake), added to the
    # visit when the injector confirmed it: its orientation and sides are not verified
    # (a front camera may mirror), ``uploaded_by`` is the injector who confirmed.
    patient_uploaded = models.BooleanField(default=False, editable=False)
    # Where a photo that is not of a patient comes from, shown under it (the demo's
    # warped test portrait says it is one, and by how much it was warped).
    source_note = models.CharField(max_length=300, blank=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(moment__in=[*PhotoMoment.values, ""]), name="photo_moment_valid"
            ),
            models.CheckConstraint(condition=Q(width__gt=0, height__gt=0), name="photo_has_pixels"),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} of visit {self.visit_id}"

    def get_absolute_url(self) -> str:
        return reverse("planning:photo_file", args=[self.pk])

    @property
    def thumbnail_url(self) -> str:
        return reverse("planning:photo_thumbnail", args=[self.pk])


class MeasurementStatus(models.TextChoices):
    PENDING = "pending", "Being measured"
    MEASURED = "measured", "Measured"
    UNUSABLE = "unusable", "Not measurable"
    FAILED = "failed", "Measurement failed"


class PhotoMeasurement(models.Model):
    """What the face-landmark model and our image measurement found on one photo
    (issue 21): computed by a Celery task after upload, never used by a dose rule,
    only shown to the injector. ``values`` holds millimetres per measure and side,
    ``{"brow_tail": {"R": 14.2, "L": 11.8}, ...}`` with the keys of
    ``planning.measurements.MEASURES``; sides are the patient's own.
    ``landmarks`` are the model's points in the stored photo's pixels."""

    audit_patient = "photo__visit__patient_id"

    photo = models.OneToOneField(Photo, on_delete=models.CASCADE, related_name="measurement")
    status = models.CharField(
        max_length=10, choices=MeasurementStatus.choices, default=MeasurementStatus.PENDING
    )
    # Why the photo is not measurable (not frontal, tilted, iris not found...), in words.
    reason = models.CharField(max_length=300, blank=True)
    model_name = models.CharField(max_length=80, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    method_version = models.CharField(max_length=20, blank=True)
    iris_px = models.FloatField(null=True, blank=True)
    mm_per_px = models.FloatField(null=True, blank=True)
    yaw_deg = models.FloatField(null=True, blank=True)
    roll_deg = models.FloatField(null=True, blank=True)
    landmarks = models.JSONField(default=list, blank=True)
    values = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    cpu_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MeasurementStatus.values),
                name="photo_measurement_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Measurement of photo {self.photo_id}: {self.status}"

    @property
    def usable(self) -> bool:
        return self.status == MeasurementStatus.MEASURED
