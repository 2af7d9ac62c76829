"""Edits of reference data and of a user's second factor write audit events
(issue 18, finding 8), from whichever door. One receiver module
(``audit/receivers.py``) hears the model signals: django-auditlog's ``post_log``
for the models in ``AUDITLOG_INCLUDE_TRACKING_MODELS``, ``post_save``/``post_delete``
for django-otp's devices.

Doors of muscles, products and consent texts: the Django admin's change form and
delete page (no page of the app edits them), and code (the demo data, a shell:
a model's ``save``). Doors of an authenticator (TOTP) or backup codes (static
device) going away: the Django admin's delete page and its "delete selected"
action, the staff list's "Reset second factor" action, the user's own set-up page
replacing an authenticator (``security.two_factor.confirm_totp``), and the user
deleted with their devices.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.chain import verify_chain
from audit.models import Action, AuditEvent
from charting.models import ConsentText
from planning.models import Muscle, Product
from security.two_factor import confirm_totp, new_backup_codes, pending_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def admin_change(client, user, obj, **changes):
    """POST the Django admin's change form of ``obj`` with its current values and
    ``changes``, as a clinic admin would."""
    model_admin = admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj)(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    meta = obj._meta
    url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def events_about(obj, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
        )
    )


@pytest.mark.parametrize(
    "model, field, value",
    [
        (Muscle, "name", "Renamed muscle"),
        (Product, "brand", "Renamed brand"),
        (ConsentText, "title", "Reworded consent"),
    ],
)
def test_an_admin_edit_of_reference_data_is_audited(
    admin_client, clinic_admin, model, field, value
):
    obj = model.objects.order_by("pk").first()
    admin_change(admin_client, clinic_admin, obj, **{field: value})

    obj.refresh_from_db()
    assert getattr(obj, field) == value
    (event,) = events_about(obj, Action.CHANGE)
    assert event.actor_id == clinic_admin.pk
    assert field in event.detail["fields"]  # field names; the values are in auditlog
    assert verify_chain().ok


def test_reference_data_saved_or_deleted_in_code_is_audited(injector):
    """The demo data's and a shell's door: a model save and delete."""
    muscle = Muscle.objects.create(code="TEST", name="Test muscle", region="test")
    muscle.name = "Test muscle, renamed"
    muscle.save()
    pk = muscle.pk
    muscle.delete()
    actions = list(
        AuditEvent.objects.filter(object_type="planning.muscle", object_id=str(pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [Action.CREATE, Action.CHANGE, Action.DELETE]


def test_a_consent_text_deleted_in_the_admin_is_audited(admin_client, clinic_admin):
    text = ConsentText.objects.create(version=99, title="Unused draft", body="Draft.")
    # Clinic admins add and change consent texts; this one may also delete them.
    clinic_admin.user_permissions.add(Permission.objects.get(codename="delete_consenttext"))
    response = admin_client.post(f"/admin/charting/consenttext/{text.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    (event,) = events_about(text, Action.DELETE)
    assert event.actor_id == clinic_admin.pk


@pytest.fixture
def staff_with_phone(injector):
    device = TOTPDevice.objects.create(user=injector, name="phone", confirmed=True)
    new_backup_codes(user=injector)
    return injector, device, StaticDevice.objects.get(user=injector)


def device_events(user, action: str) -> list[dict]:
    return [
        {**e.detail, "type": e.object_type}
        for e in AuditEvent.objects.filter(
            action=action, object_type__in=["otp_totp.totpdevice", "otp_static.staticdevice"]
        ).order_by("seq")
        if e.detail.get("user") == user.pk
    ]


def test_an_authenticator_deleted_in_the_django_admin_is_audited(
    admin_client, clinic_admin, staff_with_phone
):
    user, totp, static = staff_with_phone
    page = f"/admin/otp_totp/totpdevice/{totp.pk}/delete/"
    assert admin_client.post(page, {"post": "yes"}).status_code == 302

    assert not TOTPDevice.objects.filter(pk=totp.pk).exists()
    (event,) = events_about(totp, Action.DELETE)
    assert event.actor_id == clinic_admin.pk
    assert event.detail == {"user": user.pk, "device": "authenticator app", "confirmed": True}
    assert "key" not in str(event.detail)


def test_backup_codes_deleted_by_the_admins_bulk_action_are_audited(
    admin_client, clinic_admin, staff_with_phone
):
    user, totp, static = staff_with_phone
    response = admin_client.post(
        "/admin/otp_static/staticdevice/",
        {"action": "delete_selected", "_selected_action": [static.pk], "post": "yes"},
    )
    assert response.status_code == 302
    (event,) = events_about(static, Action.DELETE)
    assert (event.actor_id, event.detail["device"]) == (clinic_admin.pk, "backup codes")


def test_the_lost_phone_reset_audits_each_device(admin_client, clinic_admin, staff_with_phone):
    user, totp, static = staff_with_phone
    response = admin_client.post(
        "/admin/clinic/user/",
        {"action": "reset_second_factor_action", "_selected_action": [user.pk]},
    )
    assert response.status_code == 302
    assert sorted(e["device"] for e in device_events(user, Action.DELETE)) == [
        "authenticator app",
        "backup codes",
    ]


def test_replacing_an_authenticator_on_the_set_up_page_audits_the_old_one(staff_with_phone):
    user, old, static = staff_with_phone
    new = pending_totp(user=user)
    token = f"{TOTP(new.bin_key, new.step, new.t0, new.digits).token():06d}"
    assert confirm_totp(device=new, token=token) is not None

    (gone,) = events_about(old, Action.DELETE)
    assert gone.detail["device"] == "authenticator app"
    assert events_about(new, Action.CREATE)  # the pending one, made by the page


def test_a_deleted_user_takes_their_devices_with_an_event_each(staff_with_phone):
    user, totp, static = staff_with_phone
    other = UserFactory(email="other@test.clinic")
    user.delete()
    assert events_about(totp, Action.DELETE) and events_about(static, Action.DELETE)
    assert device_events(other, Action.DELETE) == []
