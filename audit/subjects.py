"""Which patient an audited object belongs to, declared, not registered at start-up.

Each audited model says how to reach its patient with a class attribute
``audit_patient``: a lookup path from a row to the patient's id (``"pk"`` for a
patient, ``"visit__patient_id"`` for a plan) or ``None`` for an object that
names no patient (a lot, a user). The settings list what is audited:

- ``AUDIT_URL_OBJECTS``: URL argument → model label. A page whose URL has
  ``<int:visit_id>`` is audited as a *view* of that visit, with its patient.
- ``AUDITLOG_INCLUDE_TRACKING_MODELS`` (django-auditlog's own setting): the
  models whose writes are recorded; ours carry the patient found here.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.db import models


@dataclass(frozen=True)
class UrlObject:
    kwarg: str
    model: type[models.Model]

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def patient_of(self, pk) -> int | None:
        """The patient id of row ``pk`` (one query; None when it names no patient)."""
        return patient_of_row(self.model, pk)


def patient_path(model: type[models.Model]) -> str | None:
    return getattr(model, "audit_patient", None)


def patient_of_row(model: type[models.Model], pk) -> int | None:
    """The patient id of row ``pk``: one query, none for a patient itself."""
    path = patient_path(model)
    if path is None:
        return None
    if path == "pk":
        return int(pk)
    return model._default_manager.filter(pk=pk).values_list(path, flat=True).first()


def patient_for_instance(instance: models.Model) -> int | None:
    """The patient of a row in hand, along its model's ``audit_patient`` path."""
    if isinstance(instance, LogEntry):
        return patient_of_logentry(instance)
    path = patient_path(type(instance))
    if path is None:
        return None
    value = instance
    for step in path.split("__"):
        value = getattr(value, step, None)
        if value is None:
            return None
    return value


def patient_of_logentry(entry: LogEntry) -> int | None:
    """The patient a django-auditlog entry is about, when it is about a patient."""
    if (entry.content_type.app_label, entry.content_type.model) == ("clinic", "patient"):
        return int(entry.object_pk) if entry.object_pk.isdigit() else None
    return None


def object_kwarg(kwargs: dict) -> UrlObject | None:
    """The most specific object named by a URL's arguments (the last one in the URL)."""
    declared = settings.AUDIT_URL_OBJECTS
    found = [name for name in kwargs if name in declared]
    if not found:
        return None
    return UrlObject(kwarg=found[-1], model=apps.get_model(declared[found[-1]]))


def admin_model(match) -> type[models.Model] | None:
    """The model of a Django admin page of one patient record (a change page of a
    model with a patient, or of an auditlog entry), else None."""
    if match is None or "admin" not in match.namespaces or "object_id" not in match.kwargs:
        return None
    for model in apps.get_models():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if (match.url_name or "").startswith(prefix) and (
            model is LogEntry or patient_path(model) is not None
        ):
            return model
    return None
