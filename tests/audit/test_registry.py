"""Every URL argument that names an object is known to the audit, so a new
clinical page is audited with its patient (or explicitly names no patient)."""

from __future__ import annotations

from audit.registry import URL_KWARGS
from tests.test_role_matrix import all_pages


def test_every_object_url_argument_is_registered_for_the_audit():
    unknown = sorted(
        {
            f"{name}: {arg}"
            for name, pattern in all_pages()
            for arg in pattern.pattern.converters
            if arg.endswith("_id") and arg not in URL_KWARGS
        }
    )
    assert unknown == [], (
        "register these with audit.registry.register_url_kwarg() in the app's "
        "AppConfig.ready() (see docs/architecture.md)"
    )


def test_patient_id_resolves_to_the_patient():
    assert URL_KWARGS["patient_id"].resolve(42) == 42
