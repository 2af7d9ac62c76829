import re

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


@pytest.mark.django_db
def test_every_page_names_its_icon_so_browsers_never_ask_django_for_favicon_ico(client):
    """Without a linked icon a browser asks for /favicon.ico on every page it opens: a
    request through the whole stack to a rendered 404 (and a console error). The staff
    pages and the error page link the static icon instead (served by the static files,
    cached for good). The patient's forms do not: they link nothing outside /p/ and
    /static/patient/ (tests/planning/test_patient_intake.py)."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string

    assert finders.find("img/favicon.svg")
    login = client.get("/login/").content.decode()
    for html in (login, render_to_string("500.html")):
        assert re.search(r'<link rel="icon" href="/static/img/favicon(\.[0-9a-f]+)?\.svg"', html)
