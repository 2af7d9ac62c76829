"""Sessions: idle timeout, absolute lifetime, rotation on sign-in, sign-out
everywhere after a password change; passwords: Argon2 and 12 characters."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _signed_in(client, user, clock):
    client.force_login(user)
    return timezone.now()


def test_idle_timeout_ends_the_session_after_15_quiet_minutes(client, injector, patient, clock):
    start = _signed_in(client, injector, clock)
    clock.move_to(start + 14 * MINUTE)
    assert client.get(f"/patients/{patient.pk}/").status_code == 200  # activity
    clock.move_to(start + 28 * MINUTE)  # 14 quiet minutes since that page
    assert client.get("/").status_code == 200
    clock.move_to(start + 43 * MINUTE + datetime.timedelta(seconds=1))
    response = client.get(f"/patients/{patient.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    login = client.get(response["Location"])
    assert "signed out after 15 minutes without activity" in login.content.decode()
    event = AuditEvent.objects.filter(action=Action.LOGOUT).order_by("-seq").first()
    assert (event.actor, event.detail) == (injector, {"reason": "idle timeout"})


def test_the_idle_timeout_is_configurable(client, injector, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    start = _signed_in(client, injector, clock)
    clock.move_to(start + 6 * MINUTE)
    assert client.get("/").status_code == 302


def test_absolute_lifetime_ends_a_busy_session_after_12_hours(client, injector, clock):
    start = _signed_in(client, injector, clock)
    for minutes in range(10, 12 * 60, 10):
        clock.move_to(start + minutes * MINUTE)
        assert client.get("/").status_code == 200, minutes
    clock.move_to(start + 12 * 60 * MINUTE)
    response = client.get("/")
    assert response.status_code == 302
    assert "maximum length" in client.get(response["Location"]).content.decode()


def test_reading_the_session_clock_is_not_activity_but_keepalive_is(client, injector, clock):
    start = _signed_in(client, injector, clock)
    clock.move_to(start + 10 * MINUTE)
    status = client.get("/account/session/status/").json()
    assert status["ends_at"] == int((start + 15 * MINUTE).timestamp())
    keep = client.post("/account/session/keepalive/").json()
    assert keep["ends_at"] == int((start + 25 * MINUTE).timestamp())
    assert keep["absolute_ends_at"] == int((start + 12 * 60 * MINUTE).timestamp())
    clock.move_to(start + 24 * MINUTE)
    assert client.get("/").status_code == 200


def test_every_page_carries_the_clock_for_the_warning(client, injector, clock):
    start = _signed_in(client, injector, clock)
    html = client.get("/").content.decode()
    assert f'data-session-ends="{int((start + 15 * MINUTE).timestamp())}"' in html
    assert 'data-session-warning="120"' in html
    assert 'src="/static/js/session-timeout.js"' in html


def test_the_session_id_changes_at_sign_in(client, injector):
    client.get("/login/")
    client.session.save()
    before = client.cookies["sessionid"].value
    response = client.post("/login/", {"username": injector.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before


def test_a_password_change_signs_out_every_other_session(injector):
    desk, tablet = Client(), Client()
    for c in (desk, tablet):
        c.force_login(injector)
        assert c.get("/").status_code == 200
    new = "a-new-passphrase-2026"
    response = desk.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert desk.get("/").status_code == 200  # the session that changed it stays
    assert tablet.get("/").status_code == 302  # every other is signed out
    assert AuditEvent.objects.filter(
        action=Action.CHANGE, object_type="clinic.user", detail__fields=["password"]
    ).exists()


def test_passwords_are_hashed_with_argon2(settings):
    from config import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    assert identify_hasher(make_password("a-long-passphrase")).algorithm == "argon2"


@pytest.mark.parametrize("password", ["short-pass1", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_twelve_character_passphrase_is_accepted():
    validate_password("tulip-harbor")
