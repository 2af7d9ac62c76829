"""In a real browser: the auditor signs in with a second factor and sees who
opened a patient's chart today; the CSP lets our pages run; the session warns
before it ends."""

import subprocess
import sys
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from clinic.demo import DEMO_PASSWORD
from clinic.models import Patient
from clinic.patients import chart_number_for

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Permissions-Policy" in msg.text
            else None
        ),
    )
    return violations


def _demo_code() -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "demo_totp"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[-1]


def test_the_auditor_signs_in_with_2fa_and_sees_who_opened_a_chart_today(
    page, browser, live_server, demo_data, settings
):
    settings.REQUIRE_2FA = True
    patient = Patient.objects.get(chart_number=chart_number_for(3))
    violations = _watch_csp(page)

    # The injector opens the chart (with her own second factor set up on the spot).
    viewport = {"width": 1180, "height": 820}
    injector = browser.new_context(base_url=live_server.url, viewport=viewport)
    tab = injector.new_page()
    login(tab, "injector@demo.clinic", DEMO_PASSWORD)
    tab.wait_for_url("**/account/two-factor/setup/**")
    secret = tab.get_by_test_id("totp-secret").inner_text()
    key = b32decode(secret + "=" * (-len(secret) % 8))
    tab.get_by_label("Code").fill(f"{TOTP(key).token():06d}")
    tab.get_by_role("button", name="Confirm").click()
    expect(tab.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    tab.goto(f"/patients/{patient.pk}/")
    assert patient.first_name in tab.locator("h1").inner_text()
    injector.close()

    # The auditor: password, then the demo authenticator's code.
    login(page, "admin@demo.clinic", DEMO_PASSWORD)
    page.wait_for_url("**/account/two-factor/verify/**")
    page.get_by_label("Code").fill(_demo_code())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_test_id("patient-access-log").click()
    page.wait_for_url(f"**/audit/patients/{patient.pk}/")
    table = page.get_by_test_id("audit-events").inner_text()
    assert "Irene Castellano" in table and "Injector" in table and "Viewed" in table
    page.get_by_test_id("menu-group").click()  # the "Admin" drop-down
    page.get_by_role("link", name="Audit log").click()
    assert "Signed in" in page.get_by_test_id("audit-events").inner_text()
    assert violations == []


def test_the_page_warns_before_an_idle_session_ends_and_can_keep_it(page, demo_data, settings):
    settings.SESSION_IDLE_TIMEOUT = 130  # the warning shows in the last 120 s
    settings.SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    violations = _watch_csp(page)
    login(page, "frontdesk@demo.clinic", DEMO_PASSWORD)
    page.wait_for_url("**/")
    warning = page.get_by_test_id("session-warning")
    warning.wait_for(state="visible", timeout=20_000)
    assert "signed out in" in warning.inner_text()
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="hidden")
    assert violations == []
