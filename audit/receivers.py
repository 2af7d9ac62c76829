"""Events that other parts of Django announce: sign-ins, sign-outs, lockouts,
model writes recorded by django-auditlog, and second-factor devices (django-otp's
authenticators and backup codes) made or deleted. Each receiver only records.

Model signals are every door at once: our pages, the Django admin, a shell, the
demo data, a user deleted with their devices. (QuerySet.update and raw SQL send
none; nothing of ours edits these rows that way.)"""

from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.signals import post_log
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .events import record
from .models import Action
from .subjects import patient_for_instance

AUDITLOG_ACTIONS = {
    LogEntry.Action.CREATE: Action.CREATE,
    LogEntry.Action.UPDATE: Action.CHANGE,
    LogEntry.Action.DELETE: Action.DELETE,
}


def on_login(sender, request, user, **kwargs):
    record(request=request, action=Action.LOGIN, actor=user, obj=user)


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "logout_reason", "signed out") if request else "signed out"
        record(
            request=request, action=Action.LOGOUT, actor=user, obj=user, detail={"reason": reason}
        )


def on_login_failed(sender, credentials, request=None, **kwargs):
    # The name typed is a staff login (an email); the password never is stored.
    username = str(credentials.get("username") or credentials.get("email") or "")[:150]
    record(request=request, action=Action.LOGIN_FAILED, detail={"username": username})


def on_locked_out(sender, request, username, ip_address, **kwargs):
    record(request=request, action=Action.LOCKOUT, detail={"username": str(username or "")[:150]})


def on_model_logged(sender, instance, action, log_entry=None, changes=None, error=None, **kwargs):
    if error is not None or log_entry is None or action not in AUDITLOG_ACTIONS:
        return
    record(
        action=AUDITLOG_ACTIONS[action],
        obj=instance,
        object_id=log_entry.object_pk,
        patient=patient_for_instance(instance),
        # Field names only: the values stay in auditlog's LogEntry, linked here.
        detail={"fields": sorted(changes or {}), "logentry": log_entry.pk},
    )


# The second-factor devices a user's sign-in rests on, by what staff call them.
OTP_DEVICES = {TOTPDevice: "authenticator app", StaticDevice: "backup codes"}


def on_otp_device_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _record_device(instance, Action.CREATE)


def on_otp_device_deleted(sender, instance, **kwargs):
    _record_device(instance, Action.DELETE)


def _record_device(device, action: str) -> None:
    # Whose device and which kind; never its key or codes.
    record(
        action=action,
        obj=device,
        detail={
            "user": device.user_id,
            "device": OTP_DEVICES[type(device)],
            "confirmed": bool(device.confirmed),
        },
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit_login")
    user_logged_out.connect(on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit_lockout")
    post_log.connect(on_model_logged, dispatch_uid="audit_model_write")
    for model in OTP_DEVICES:
        name = model._meta.label_lower
        post_save.connect(on_otp_device_saved, sender=model, dispatch_uid=f"audit_{name}_saved")
        post_delete.connect(
            on_otp_device_deleted, sender=model, dispatch_uid=f"audit_{name}_deleted"
        )
