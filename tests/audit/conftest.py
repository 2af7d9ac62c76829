import pytest

from audit.models import AuditEvent


@pytest.fixture
def events(db):
    """The events written since the test began, oldest first."""

    def _events(**filters):
        return list(AuditEvent.objects.filter(**filters).order_by("seq"))

    return _events


@pytest.fixture
def report_kwarg(settings):
    """The test pages' ``report_id`` named in the audit's settings, as a real page's
    argument is (here a report's id is its patient's: the test maps one to the other)."""
    settings.AUDIT_URL_OBJECTS = {**settings.AUDIT_URL_OBJECTS, "report_id": "clinic.Patient"}
