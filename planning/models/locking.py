"""The lock of a signed visit's baseline, held by the model layer.

Once the treatment of a visit is signed (``charting.signing.seal`` sets
``Visit.locked_at`` in the same transaction), what that treatment was decided
on is part of the record: the visit's screening, movement map and its cells,
plans and their points, and photos never change again. Corrections are the
chart's addenda. Like the chart's lock (``charting.models.locking``) it is held
twice in the model layer, and below the ORM by PostgreSQL triggers (migration
``planning/0008``):

- each model's QuerySet refuses ``update``/``delete``/``bulk_update`` of rows
  of a locked visit, and ``bulk_create`` of rows for one;
- each model's ``save``/``delete`` refuse a row of a locked visit (read fresh).

Planning's rule functions check first (``Visit.refuse_if_locked``) and refuse with the
same message, so a page shows it and never reaches the model layer's refusal.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from clinic.guarded_rows import GuardedQuerySet


def locked_message(what: str) -> str:
    return (
        f"This visit's treatment is signed: its {what} is locked; "
        "add an addendum to the chart instead."
    )


class VisitLockedError(ValidationError):
    """A change to the baseline of a signed visit. A ``ValidationError``, as
    planning's rules refuse, so every page that shows their messages shows it."""

    def __init__(self, what: str = "record"):
        super().__init__(locked_message(what), code="visit_locked")


class LockedByVisitQuerySet(GuardedQuerySet):
    """Rows locked once their visit (``visit_path``, a lookup) is locked."""

    def _refuse_if_locked(self) -> None:
        path = self.model.visit_path
        if self.filter(**{f"{path}__locked_at__isnull": False}).exists():
            raise VisitLockedError(self.model.locked_what)

    def _refuse_new(self, obj) -> None:
        obj.refuse_if_locked()


class LockedByVisit(models.Model):
    """Base of the rows of a visit's baseline: locked with their visit."""

    visit_path = "visit"  # the lookup from a row to its visit
    locked_what = "record"  # what the message calls it

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refuse_if_locked()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.refuse_if_locked()
        return super().delete(*args, **kwargs)

    def refuse_if_locked(self) -> None:
        """Refuse when the row's visit (as stored, and as it would be saved) is locked."""
        locked = f"{self.visit_path}__locked_at__isnull"
        if self.pk and type(self)._base_manager.filter(pk=self.pk, **{locked: False}).exists():
            raise VisitLockedError(self.locked_what)
        first, _, rest = self.visit_path.partition("__")
        parent = type(self)._meta.get_field(first).related_model
        lookup = f"{rest}__locked_at__isnull" if rest else "locked_at__isnull"
        parent_id = getattr(self, f"{first}_id")
        if parent_id and parent._base_manager.filter(pk=parent_id, **{lookup: False}).exists():
            raise VisitLockedError(self.locked_what)
