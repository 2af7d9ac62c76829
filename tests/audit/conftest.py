import pytest

from audit.models import AuditEvent
from audit.registry import URL_KWARGS, register_url_kwarg


@pytest.fixture
def events(db):
    """The events written since the test began, oldest first."""

    def _events(**filters):
        return list(AuditEvent.objects.filter(**filters).order_by("seq"))

    return _events


@pytest.fixture
def report_kwarg():
    """A clinical app's registration, as its AppConfig.ready() would make it."""
    register_url_kwarg("report_id", lambda pk: pk, object_type="charting.report")
    yield
    URL_KWARGS.pop("report_id", None)
