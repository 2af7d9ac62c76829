"""Second factor: with REQUIRE_2FA, injectors and clinic admins pass a TOTP code
(or a backup code) before any clinical page or the admin."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from security.two_factor import new_backup_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


@pytest.fixture
def admin_device(clinic_admin):
    return TOTPDevice.objects.create(user=clinic_admin, name="phone", confirmed=True)


def test_an_admin_without_a_device_cannot_reach_the_admin_or_clinical_pages(
    require_2fa, admin_client, patient
):
    for url in ("/admin/", f"/patients/{patient.pk}/", "/audit/", "/"):
        response = admin_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/two-factor/setup/?next="), url


def test_an_admin_with_a_device_passes_with_a_code_generated_here(
    require_2fa, admin_client, clinic_admin, admin_device, patient
):
    response = admin_client.get(f"/patients/{patient.pk}/")
    assert response["Location"] == f"/account/two-factor/verify/?next=%2Fpatients%2F{patient.pk}%2F"
    assert admin_client.get("/admin/")["Location"].startswith("/account/two-factor/verify/")
    session_before = admin_client.cookies["sessionid"].value
    wrong = admin_client.post("/account/two-factor/verify/", {"token": "000000"})
    assert "did not match" in wrong.content.decode()
    admin_device.refresh_from_db()
    admin_device.throttling_failure_count = 0  # the test's wrong code above throttles
    admin_device.throttling_failure_timestamp = None
    admin_device.save()
    ok = admin_client.post(
        f"/account/two-factor/verify/?next=/patients/{patient.pk}/",
        {"token": code_for(admin_device), "next": f"/patients/{patient.pk}/"},
    )
    assert ok.status_code == 302 and ok["Location"] == f"/patients/{patient.pk}/"
    assert admin_client.cookies["sessionid"].value != session_before  # rotated
    assert admin_client.get(f"/patients/{patient.pk}/").status_code == 200
    assert admin_client.get("/admin/").status_code == 200
    actions = list(AuditEvent.objects.filter(actor=clinic_admin).values_list("action", flat=True))
    assert Action.OTP_FAILED in actions and Action.OTP_VERIFIED in actions


def test_injectors_need_it_and_the_front_desk_does_not(
    require_2fa, client, injector, front_desk, patient
):
    client.force_login(injector)
    assert client.get(f"/patients/{patient.pk}/").status_code == 302
    client.force_login(front_desk)
    assert client.get(f"/patients/{patient.pk}/").status_code == 200


def test_setting_up_an_authenticator_gives_backup_codes_that_work_once(
    require_2fa, client, injector, patient
):
    client.force_login(injector)
    page = client.get("/account/two-factor/setup/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, inline, no script
    device = TOTPDevice.objects.get(user=injector, confirmed=False)
    done = client.post("/account/two-factor/setup/", {"token": code_for(device)})
    codes = done.context["codes"]
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(f"/patients/{patient.pk}/").status_code == 200

    # A later session: a backup code lets the injector in, once.
    for attempt, expected in ((codes[0], 302), (codes[0], 200)):
        tablet = Client()
        tablet.force_login(injector)
        response = tablet.post("/account/two-factor/verify/", {"token": attempt})
        assert response.status_code == expected
    assert tablet.get(f"/patients/{patient.pk}/").status_code == 302


def test_new_backup_codes_replace_the_old_ones(clinic_admin):
    first = new_backup_codes(user=clinic_admin)
    second = new_backup_codes(user=clinic_admin)
    assert len(second) == 10 and not set(first) & set(second)
    assert clinic_admin.staticdevice_set.get().token_set.count() == 10


def test_without_require_2fa_a_password_is_enough(settings, admin_client, admin_device, patient):
    settings.REQUIRE_2FA = False
    assert admin_client.get(f"/patients/{patient.pk}/").status_code == 200


@pytest.mark.parametrize(("env", "expected"), [("development", "False"), ("production", "True")])
def test_require_2fa_defaults_on_in_production_only(env, expected, tmp_path):
    environment = {
        **os.environ,
        "DJANGO_ENV": env,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "SIGNATURE_KEYS": "check:" + "s" * 40,
        "AUDIT_ANCHOR_KEY": "a" * 40,
        "ALLOWED_HOSTS": "clinic.example.org",
        "TRUSTED_PROXY_COUNT": "1",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/never_opened",
    }
    environment.pop("REQUIRE_2FA", None)
    out = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.REQUIRE_2FA)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == expected
