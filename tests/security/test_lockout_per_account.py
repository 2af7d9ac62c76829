"""Issue 18, finding 6: the lockout cannot be escaped by forging or rotating the
client's address, and it grows with the failures.

Doors of the rule (security/lockout.py, through django-axes): the sign-in page
(/login/) and the Django admin's (/admin/login/), both behind the address rule of
audit/context.py (TRUSTED_PROXY_COUNT); the lockout page says how long it lasts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.utils import timezone

from audit.models import Action, AuditEvent
from security.lockout import cool_off
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-2026"


def _sign_in(client, email, password, *, ip, forwarded=None, url="/login/"):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip, **headers)


def test_a_forged_forwarded_for_changes_nothing_without_a_trusted_proxy(client, injector, settings):
    """Nothing in front (TRUSTED_PROXY_COUNT=0): a client that writes its own
    X-Forwarded-For is still counted, locked out and audited at its real address.
    Seen to fail with audit.context.client_ip trusting one hop whatever the setting."""
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(4):
        response = _sign_in(
            client, injector.email, WRONG, ip="203.0.113.50", forwarded=f"10.9.9.{n}"
        )
        assert response.status_code == 200
    assert (
        _sign_in(client, injector.email, WRONG, ip="203.0.113.50", forwarded="10.9.9.4").status_code
        == 429
    )
    locked = _sign_in(client, injector.email, PASSWORD, ip="203.0.113.50", forwarded="10.9.9.5")
    assert locked.status_code == 429 and "Sign-in locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}
    audited = AuditEvent.objects.filter(action__in=[Action.LOGIN_FAILED, Action.LOCKOUT])
    assert audited.filter(action=Action.LOGIN_FAILED).count() >= 5
    assert set(audited.values_list("ip", flat=True)) == {"203.0.113.50"}


def test_rotating_addresses_behind_the_proxy_still_locks_the_account(
    client, injector, front_desk, settings
):
    """One trusted proxy, a new client address for every try, on both sign-in
    doors: the account locks at AXES_ACCOUNT_FAILURE_LIMIT, and the right password
    from yet another address is refused. Seen to fail with
    security.lockout.LockoutHandler.get_failures counting the pair alone."""
    settings.TRUSTED_PROXY_COUNT = 1
    limit = settings.AXES_ACCOUNT_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        url = "/admin/login/" if n % 2 else "/login/"
        response = _sign_in(
            client, injector.email, WRONG, ip="172.18.0.2", forwarded=f"198.51.100.{n}", url=url
        )
        assert response.status_code == 200, n  # no one address reaches its own limit
    last = _sign_in(client, injector.email, WRONG, ip="172.18.0.2", forwarded="198.51.100.99")
    assert last.status_code == 429
    again = _sign_in(client, injector.email, PASSWORD, ip="172.18.0.2", forwarded="192.0.2.1")
    assert again.status_code == 429 and "_auth_user_id" not in client.session
    assert AccessAttempt.objects.values("ip_address").distinct().count() >= limit
    # Another account signs in from the same addresses: only this account is locked.
    other = _sign_in(client, front_desk.email, PASSWORD, ip="172.18.0.2", forwarded="192.0.2.1")
    assert other.status_code == 302


def test_the_lockout_doubles_with_every_further_round_of_failures(client, injector, settings):
    """Five failures lock for 15 minutes, ten for 30. Seen to fail with
    AXES_COOLOFF_TIME a fixed 15 minutes."""
    settings.TRUSTED_PROXY_COUNT = 0
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            first = _sign_in(client, injector.email, WRONG, ip="10.0.0.7")
        assert first.status_code == 429 and "Try again in 15 minutes" in first.content.decode()
        for _ in range(5):  # tries during the lockout count too
            second = _sign_in(client, injector.email, WRONG, ip="10.0.0.7")
        assert "Try again in 30 minutes" in second.content.decode()
        clock.move_to(start + datetime.timedelta(minutes=20))
        still = _sign_in(client, injector.email, PASSWORD, ip="10.0.0.7")  # the 11th failure
        assert still.status_code == 429
        clock.move_to(start + datetime.timedelta(minutes=20 + 29))
        assert _sign_in(client, injector.email, PASSWORD, ip="10.0.0.7").status_code == 429
        clock.move_to(start + datetime.timedelta(minutes=20 + 29 + 31))
        assert _sign_in(client, injector.email, PASSWORD, ip="10.0.0.7").status_code == 302


def test_the_back_off_stops_at_its_longest(injector, settings):
    now = timezone.now()
    AccessAttempt.objects.create(
        username=injector.email,
        ip_address="10.0.0.7",
        user_agent="",
        http_accept="",
        path_info="/login/",
        attempt_time=now,
        failures_since_start=500,
    )
    request = RequestFactory().post("/login/", {"username": injector.email})
    assert cool_off(request) == settings.AXES_COOLOFF_LONGEST == datetime.timedelta(hours=24)
    assert cool_off(None) == settings.AXES_COOLOFF_FIRST
