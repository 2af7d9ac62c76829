"""The pre-visit intake link: what the front desk may know about a patient's intake.

Only the link's life is here (sent, opened, done, expired), never an answer: the
answers are clinical and live with planning (``planning.models.PatientIntake``),
one floor up; the front desk's pages render a link's status only (a guard in
tests/planning/test_patient_intake.py). The rules (making, opening, binding,
finishing a link) are in ``clinic.intake_links``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .appointments import Appointment


class IntakeLinkQuerySet(models.QuerySet):
    def for_appointment(self, appointment):
        return self.filter(appointment=appointment)

    def latest_first(self):
        return self.order_by("-created_at", "-id")


class IntakeLink(models.Model):
    audit_patient = "appointment__patient_id"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        DONE = "done", "Done"
        EXPIRED = "expired", "Expired"

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="intake_links"
    )
    # The token itself is shown once (email, QR code) and never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The device session it opened in (a hash of a secret kept in that session).
    binding_hash = models.CharField(max_length=64, blank=True, editable=False)
    kiosk = models.BooleanField(default=False, help_text="Opened on a clinic tablet.")
    emailed_to = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = IntakeLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="intakelink_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake link {self.pk} ({self.status_at(timezone.now())})"

    def status_at(self, now) -> str:
        if self.completed_at is not None:
            return self.Status.DONE
        if self.revoked_at is not None or now >= self.expires_at:
            return self.Status.EXPIRED
        if self.opened_at is not None:
            return self.Status.OPENED
        return self.Status.SENT

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    def usable_at(self, now) -> bool:
        return self.status_at(now) in (self.Status.SENT, self.Status.OPENED)
