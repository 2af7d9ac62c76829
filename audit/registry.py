"""Which patient an audited object belongs to.

Two small registries that the clinical apps fill from their ``AppConfig.ready()``:

``register_url_kwarg("visit_id", lambda pk: Visit.objects.filter(pk=pk).values_list(
"patient_id", flat=True).first(), object_type="planning.visit")``
    A page whose URL has ``<int:visit_id>`` is then audited as a *view* of that
    visit, with the visit's patient. Pass ``resolve=None`` for a URL argument that
    names no patient's object (a lot, a location).

``register_model(TreatmentPlan, lambda plan: plan.visit.patient_id)``
    A create/change/delete of that model (recorded by django-auditlog) then
    carries the patient id. Also register the model with ``auditlog.register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class UrlKwarg:
    name: str
    resolve: Callable[[int], int | None] | None
    object_type: str


URL_KWARGS: dict[str, UrlKwarg] = {}
MODELS: dict[type[models.Model], Callable[[models.Model], int | None] | None] = {}


def register_url_kwarg(
    name: str, resolve: Callable[[int], int | None] | None, *, object_type: str
) -> None:
    URL_KWARGS[name] = UrlKwarg(name=name, resolve=resolve, object_type=object_type)


def register_model(
    model: type[models.Model], patient_of: Callable[[models.Model], int | None] | None
) -> None:
    MODELS[model] = patient_of


def patient_for_instance(instance: models.Model) -> int | None:
    patient_of = MODELS.get(type(instance))
    return patient_of(instance) if patient_of else None


def object_kwarg(kwargs: dict) -> UrlKwarg | None:
    """The most specific object named by a URL's arguments (the last one in the URL)."""
    found = [URL_KWARGS[name] for name in kwargs if name in URL_KWARGS]
    return found[-1] if found else None


def patient_via(model: type[models.Model], path: str = "patient_id") -> Callable[[int], int | None]:
    """A URL-kwarg resolver: the patient id of ``model`` row ``pk``, read along ``path``
    (for example ``"visit__patient_id"``). One query."""

    def resolve(pk: int) -> int | None:
        return model.objects.filter(pk=pk).values_list(path, flat=True).first()

    return resolve
