"""The lock of a signed chart, held by the model layer.

A signed treatment is a legal record: neither it nor the rows that make it up
(injections, adverse events) may change or disappear afterwards, whatever the
code path (a view, the admin, a shell, a bulk update). Each model keeps this
invariant twice:

- its QuerySet refuses ``update``/``delete``/``bulk_update`` when any row it
  would touch belongs to a signed treatment, and ``bulk_create`` of rows for a
  signed treatment;
- its ``save``/``delete`` refuse an instance whose treatment is signed in the
  database (read fresh, so a stale unsigned copy cannot overwrite the record).

This is an invariant of the data, not a business rule: signing itself lives in
``charting.signing``. Corrections are ``Addendum`` rows, which never change.
"""

from __future__ import annotations

from django.db import models

from clinic.guarded_rows import GuardedQuerySet


class SignedRecordError(Exception):
    """A change to a signed (locked) chart was attempted."""

    def __init__(self, message: str = "This chart is signed and locked: add an addendum instead."):
        super().__init__(message)


class LockedQuerySet(GuardedQuerySet):
    """A QuerySet whose rows are locked once ``signed_path`` (a lookup path) is set."""

    signed_path = "signed_at"

    def locked(self):
        return self.filter(**{f"{self.signed_path}__isnull": False})

    def _refuse_if_locked(self) -> None:
        if self.locked().exists():
            raise SignedRecordError()

    def _refuse_new(self, obj) -> None:
        obj.refuse_if_locked(creating=True)


class LockedByTreatment(models.Model):
    """Base of the rows of a chart (injections, adverse events): locked with their treatment."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refuse_if_locked(creating=self._state.adding)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.refuse_if_locked()
        return super().delete(*args, **kwargs)

    def refuse_if_locked(self, *, creating: bool = False) -> None:
        treatment = type(self)._meta.get_field("treatment").related_model
        if treatment._base_manager.filter(pk=self.treatment_id, signed_at__isnull=False).exists():
            raise SignedRecordError()
