"""What a patient answered before the visit (the intake by link), patient-reported.

Nothing here counts as screening: ``planning.screening`` reads ``Screening`` rows
only, and a screening is recorded by an injector. When the injector saves the
screening of a visit with the intake in front of them, ``review`` keeps, per
question, what the patient said and what the injector recorded (both kept; the
injector's decides), with who confirmed and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PatientIntakeQuerySet(models.QuerySet):
    def for_patient(self, patient_id: int):
        return self.filter(link__appointment__patient_id=patient_id)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)


class PatientIntake(models.Model):
    audit_patient = "link__appointment__patient_id"

    link = models.OneToOneField(
        "clinic.IntakeLink", on_delete=models.PROTECT, related_name="answers"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # question code -> true/false, the patient's own words (planning.screening_questions)
    answers = models.JSONField(default=dict)
    allergies = models.CharField(max_length=300, blank=True)
    medicines = models.CharField(max_length=300, blank=True)
    # face areas (planning.intake.AREAS codes) the patient dislikes / wants kept as they are
    bothers = models.JSONField(default=list, blank=True)
    bothers_text = models.TextField(blank=True)
    keep = models.JSONField(default=list, blank=True)
    keep_text = models.TextField(blank=True)
    consent_read = models.BooleanField(default=False)
    # The selfie, cleaned by planning.photos.clean_image (metadata stripped), in the
    # private storage. Patient-uploaded: its orientation and sides are not verified.
    selfie_name = models.CharField(max_length=200, blank=True)
    selfie_thumbnail_name = models.CharField(max_length=200, blank=True)
    # The injector's confirmation: the visit and screening it went into.
    visit = models.ForeignKey(
        "planning.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    screening = models.OneToOneField(
        "planning.Screening",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # question code -> {"patient": bool, "injector": bool}
    review = models.JSONField(default=dict, blank=True)

    objects = PatientIntakeQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(confirmed_at__isnull=True, confirmed_by__isnull=True, screening__isnull=True)
                    | Q(
                        confirmed_at__isnull=False,
                        confirmed_by__isnull=False,
                        screening__isnull=False,
                        visit__isnull=False,
                    )
                ),
                name="patientintake_confirmation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Patient intake {self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def differences(self) -> list[str]:
        """Codes where the injector recorded other than the patient said."""
        return [c for c, r in self.review.items() if r.get("patient") != r.get("injector")]
