import pytest


@pytest.fixture(autouse=True)
def real_session_limits(settings, _fast_and_private):
    """The production limits (the shared conftest lifts them for other tests)."""
    settings.SESSION_IDLE_TIMEOUT = 15 * 60
    settings.SESSION_ABSOLUTE_LIFETIME = settings.SESSION_COOKIE_AGE = 12 * 3600
