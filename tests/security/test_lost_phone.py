"""The lost-phone reset (issue 19, finding 6), end to end.

The rule, in ``security.two_factor``: sign-in asks for a code only while the user
has a confirmed authenticator; backup codes go with the last authenticator.
Its doors: the staff list's "Reset second factor" action, deleting the
authenticator in the Django admin (otp_totp), and the user's own setup page.
And the clinic admin group holds the permissions the reset needs, on a fresh
install (the test database is migrated from scratch like one).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from clinic.roles import Role
from security.two_factor import new_backup_codes

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


@pytest.fixture
def lost_phone(settings, injector):
    """An injector whose phone is gone: a confirmed authenticator and backup codes."""
    settings.REQUIRE_2FA = True
    TOTPDevice.objects.create(user=injector, name="old phone", confirmed=True)
    new_backup_codes(user=injector)
    return injector


def signed_in_admin(clinic_admin) -> Client:
    """The clinic admin, past their own second factor."""
    device = TOTPDevice.objects.create(user=clinic_admin, name="phone", confirmed=True)
    client = Client()
    client.force_login(clinic_admin)
    passed = client.post("/account/two-factor/verify/", {"token": code_for(device)})
    assert passed.status_code == 302
    return client


def still_signed_in(user) -> Client:
    """A session of ``user`` past the second factor (the phone that will be lost)."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert (
        client.post("/account/two-factor/verify/", {"token": code_for(device)}).status_code == 302
    )
    return client


def next_sign_in_enrols(user, patient) -> None:
    """The user signs in: asked to set up an authenticator (not for a code), does,
    and reaches a clinical page."""
    tablet = Client()
    tablet.force_login(user)
    response = tablet.get(f"/patients/{patient.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/"), response["Location"]
    tablet.get("/account/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert tablet.post("/account/two-factor/setup/", {"token": code_for(device)}).status_code == 200
    assert tablet.get(f"/patients/{patient.pk}/").status_code == 200


def test_a_fresh_install_lets_clinic_admins_see_and_delete_every_device():
    granted = set(Group.objects.get(name=Role.ADMIN).permissions.values_list("codename", flat=True))
    for codename in (
        "view_totpdevice",
        "delete_totpdevice",
        "view_staticdevice",
        "delete_staticdevice",
    ):
        assert codename in granted, codename


def test_the_reset_action_removes_every_device_and_says_who_reset_whom(
    lost_phone, clinic_admin, patient
):
    lost = still_signed_in(lost_phone)
    admin = signed_in_admin(clinic_admin)
    response = admin.post(
        "/admin/clinic/user/",
        {"action": "reset_second_factor_action", "_selected_action": [lost_phone.pk]},
        follow=True,
    )
    assert "Second factor reset for 1 staff member" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=lost_phone).exists()
    assert not StaticDevice.objects.filter(user=lost_phone).exists()
    event = AuditEvent.objects.filter(
        actor=clinic_admin,
        action=Action.DELETE,
        object_id=str(lost_phone.pk),
        detail__second_factor="reset",
    ).get()
    assert event.detail["second_factor"] == "reset" and event.detail["devices"] == 2
    # The lost phone's session is gone: enrolling again needs the password (review finding).
    assert lost.get("/account/two-factor/setup/")["Location"].startswith("/login/")
    next_sign_in_enrols(lost_phone, patient)


def test_deleting_the_authenticator_in_the_django_admin_is_enough(
    lost_phone, clinic_admin, patient
):
    device = TOTPDevice.objects.get(user=lost_phone)
    lost = still_signed_in(lost_phone)
    admin = signed_in_admin(clinic_admin)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/delete/")
    assert page.status_code == 200
    admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticDevice.objects.filter(user=lost_phone).exists()  # the codes went with it
    assert lost.get("/account/two-factor/setup/")["Location"].startswith("/login/")
    next_sign_in_enrols(lost_phone, patient)


def test_replacing_the_phone_on_the_setup_page_keeps_the_user_signed_in(lost_phone, patient):
    """The third door: the user's own new authenticator replaces the old one; the
    old one goes only once the new one is in, so nobody is signed out."""
    tablet = still_signed_in(lost_phone)
    tablet.get("/account/two-factor/setup/")
    new = TOTPDevice.objects.get(user=lost_phone, confirmed=False)
    assert tablet.post("/account/two-factor/setup/", {"token": code_for(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=lost_phone).values_list("pk", flat=True)) == [new.pk]
    assert tablet.get(f"/patients/{patient.pk}/").status_code == 200


def test_a_clinic_admin_cannot_take_over_a_superuser(settings, clinic_admin):
    """Review finding: the set-password page, the reset and the invitation of a
    superuser, from a clinic admin who is not one. Doors: the change form, the
    set-password page, both staff-list actions."""
    from django.core import mail

    from clinic.models import User

    root = User.objects.create_superuser(
        email="root@test.clinic", password="the-roots-own-password-1", first_name="R", last_name="T"
    )
    TOTPDevice.objects.create(user=root, name="root phone", confirmed=True)
    admin = signed_in_admin(clinic_admin)
    taken = admin.post(
        f"/admin/clinic/user/{root.pk}/password/",
        {"password1": "taken-over-2026-xx", "password2": "taken-over-2026-xx"},
    )
    assert taken.status_code == 403
    root.refresh_from_db()
    assert root.check_password("the-roots-own-password-1")
    for action in ("reset_second_factor_action", "send_invitation_action"):
        page = admin.post(
            "/admin/clinic/user/", {"action": action, "_selected_action": [root.pk]}, follow=True
        )
        assert "managed by a superuser" in page.text
    assert TOTPDevice.objects.filter(user=root).exists() and not mail.outbox
