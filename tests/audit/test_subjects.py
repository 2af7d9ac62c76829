"""Every URL argument that names an object is known to the audit, so a new
clinical page is audited with its patient (or explicitly names no patient), and
every audited model says how to reach its patient."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings

from audit.subjects import object_kwarg, patient_for_instance
from tests.test_role_matrix import all_pages


def test_every_object_url_argument_is_named_for_the_audit():
    unknown = sorted(
        {
            f"{name}: {arg}"
            for name, pattern in all_pages()
            for arg in pattern.pattern.converters
            if arg.endswith("_id") and arg not in settings.AUDIT_URL_OBJECTS
        }
    )
    assert unknown == [], "name these in AUDIT_URL_OBJECTS (config/settings.py)"


def test_every_audited_model_says_how_to_reach_its_patient():
    named = {apps.get_model(label) for label in settings.AUDIT_URL_OBJECTS.values()}
    silent = sorted(
        model._meta.label
        for model in named | set(auditlog.get_models())
        if model._meta.app_label in {"clinic", "planning", "charting", "reviews", "reports"}
        and not hasattr(model, "audit_patient")
    )
    assert silent == [], "give these models an audit_patient path (audit/subjects.py)"


def test_the_last_object_of_a_url_names_the_page(patient):
    kind = object_kwarg({"patient_id": patient.pk, "visit_id": 7})
    assert (kind.kwarg, kind.object_type) == ("visit_id", "planning.visit")
    assert object_kwarg({"patient_id": patient.pk}).patient_of(patient.pk) == patient.pk
    assert patient_for_instance(patient) == patient.pk
