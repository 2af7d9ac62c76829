"""The audit log: one append-only, hash-chained row per event.

Each row's ``hash`` is SHA-256 over its own fields and the previous row's hash,
so changing or removing a row breaks the chain from there on
(``manage.py verify_audit_chain`` finds it). Rows are written only through
``audit.events.record``; the model refuses updates and deletes, the admin is
read-only, and on PostgreSQL a trigger (migration 0002) refuses UPDATE and
DELETE on the table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"
    DOWNLOAD = "download", "Downloaded"
    DENIED = "denied", "Refused or not found"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGOUT = "logout", "Signed out"
    LOCKOUT = "lockout", "Locked out"
    OTP_VERIFIED = "otp_verified", "Second factor passed"
    OTP_FAILED = "otp_failed", "Second factor failed"
    OTP_DEVICE = "otp_device", "Second factor set up"
    MISMATCH = "mismatch", "Does not match its signature"


class AppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit events cannot be deleted.")

    def for_patient(self, patient_id: int):
        return self.filter(patient_id=patient_id)


class AuditEvent(models.Model):
    # The position in the chain; gap-free, one writer at a time (see events.py).
    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, editable=False)
    # No database constraint: events outlive the people and records they name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # audit_actor_at_idx leads with it (one index less per event)
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    role = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "clinic.Patient",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # audit_patient_at_idx leads with it (one index less per event)
        related_name="+",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    path = models.CharField(max_length=300, blank=True)
    # Names of changed fields, reasons; never patient data (values live in auditlog).
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            # "Who accessed this patient" and the admin's patient filter.
            models.Index(fields=["patient", "-at"], name="audit_patient_at_idx"),
            # The audit list's user filter.
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            # Date filters and the default list order.
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        # An invariant, not a rule: a stored event is never written again.
        if not self._state.adding:
            raise AppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit events cannot be deleted.")


class ChainHead(models.Model):
    """One row: the last event's seq and hash. Locking it serialises writers."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="chainhead_one_row")]

    def __str__(self) -> str:
        return f"head at event {self.seq}"
