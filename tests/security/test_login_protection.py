"""django-axes: five failures for one user name from one address lock it out."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, email: str, password: str, ip: str = "10.0.0.7", **headers):
    return client.post(
        "/login/", {"username": email, "password": password}, REMOTE_ADDR=ip, **headers
    )


def test_the_sixth_attempt_is_locked_out_even_with_the_right_password(client, injector):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            response = _sign_in(client, injector.email, "wrong-password-2026")
            assert response.status_code == 200
            assert "correct email address and password" in response.content.decode()
        fifth = _sign_in(client, injector.email, "wrong-password-2026")
        assert fifth.status_code == 429
        sixth = _sign_in(client, injector.email, PASSWORD)
        assert sixth.status_code == 429
        assert "Sign-in locked" in sixth.content.decode()
        assert "Try again in 15 minutes" in sixth.content.decode()
        assert "_auth_user_id" not in client.session
        # Another address is not locked out by this one's failures.
        assert _sign_in(client, injector.email, PASSWORD, ip="10.0.0.8").status_code == 302
        client.logout()
        clock.move_to(start + datetime.timedelta(minutes=14))
        assert _sign_in(client, injector.email, PASSWORD).status_code == 429
        # A try during the lockout starts the cool-off again (axes' default).
        clock.move_to(start + datetime.timedelta(minutes=14 + 16))
        after = _sign_in(client, injector.email, PASSWORD)
        assert after.status_code == 302
        assert client.session["_auth_user_id"] == str(injector.pk)
    assert AuditEvent.objects.filter(action=Action.LOCKOUT).count() >= 1
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() >= 5


def test_behind_the_documented_proxy_the_client_address_counts(client, injector, settings):
    """One trusted proxy: X-Forwarded-For's last entry is the client; entries a
    client adds itself in front of it change nothing."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        _sign_in(
            client,
            injector.email,
            "wrong-password-2026",
            ip="172.18.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9",  # spoofed first part
        )
    attempt = AccessAttempt.objects.get()
    assert attempt.ip_address == "203.0.113.9"
    assert attempt.failures_since_start == 5
    # A different real client behind the same proxy is not locked out.
    ok = _sign_in(
        client, injector.email, PASSWORD, ip="172.18.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4"
    )
    assert ok.status_code == 302
    event = AuditEvent.objects.filter(action=Action.LOGIN).order_by("-seq").first()
    assert event.ip == "198.51.100.4"


def test_an_admin_unlocks_a_locked_out_user(admin_client, injector):
    tablet = Client()
    for _ in range(5):
        _sign_in(tablet, injector.email, "wrong-password-2026")
    assert _sign_in(tablet, injector.email, PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username=injector.email)
    page = admin_client.get("/admin/axes/accessattempt/")
    assert injector.email in page.content.decode()
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert _sign_in(tablet, injector.email, PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(client, injector):
    """authenticate() without a request (scripts, Client.login) is not locked out."""
    assert client.login(username=injector.email, password=PASSWORD)


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_an_overlong_or_odd_sign_in_name_is_refused_cleanly(client, url):
    for name in ("x" * 5000 + "@example.com", "\u202e@example.com", "<script>@x"):
        response = client.post(url, {"username": name, "password": "whatever-password"})
        assert response.status_code in (200, 429)


def test_the_lockout_counts_the_email_whatever_its_case(client, injector):
    for n in range(5):
        email = injector.email.upper() if n % 2 else injector.email
        _sign_in(client, email, "wrong-password-2026")
    assert _sign_in(client, injector.email, PASSWORD).status_code == 429
