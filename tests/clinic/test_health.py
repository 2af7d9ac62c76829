import pytest
from django.urls import reverse

from tests.conftest import need


@pytest.mark.django_db
def test_healthz_reports_the_database_without_login(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured"},
    }


@pytest.mark.django_db
def test_healthz_checks_redis_when_configured(client, settings):
    import os

    url = os.environ.get("REDIS_URL", "")
    need(bool(url), "REDIS_URL is not set")
    settings.REDIS_URL = url
    assert client.get(reverse("healthz")).json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_healthz_is_503_when_redis_does_not_answer(client, settings):
    # Port 9 on loopback: nothing listens there, so the connection is refused.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")
