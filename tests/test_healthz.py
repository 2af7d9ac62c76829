"""Issue 18, finding 10: with the database down, /healthz answers 503 (not a 500)
even when the request carries a session cookie: nothing reads the session first."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("cookie", ["signed in", "made up"])
def test_healthz_is_503_with_a_session_cookie_and_the_database_down(
    client, front_desk, cookie, database_down_later
):
    if cookie == "signed in":
        client.force_login(front_desk)
    else:
        client.cookies["sessionid"] = "x" * 32
    with database_down_later():
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"].startswith("error")
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def database_down_later():
    @contextlib.contextmanager
    def down():
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)

    return down
