"""Second factor: TOTP authenticator apps (django-otp) and one-time backup codes."""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .sessions import end_sessions_of

BACKUP_CODES = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def pending_totp(*, user) -> TOTPDevice:
    """The unconfirmed authenticator being set up, made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def confirm_totp(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator if ``token`` matches; returns fresh backup codes."""
    if not device.verify_token(_digits(token)):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # The old phone goes after the new one is in: never a moment without an
        # authenticator, which would sign the user out (drop_orphaned_backup_codes).
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        return new_backup_codes(user=device.user)


def new_backup_codes(*, user) -> list[str]:
    """Replace the user's backup codes with new ones; each works once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def backup_codes_left(*, user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_authenticator(user) -> bool:
    """Whether sign-in asks this user for a code: a confirmed authenticator app.
    Backup codes belong to the authenticator; on their own they ask for nothing."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def reset_second_factor(*, user) -> int:
    """The lost-phone reset: remove every device of ``user`` (authenticators and
    backup codes), so the next sign-in enrols a new authenticator. Returns how
    many devices went; the user is signed out everywhere. The caller records who
    reset whom."""
    devices = [TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)]
    with transaction.atomic():
        removed = sum(queryset.count() for queryset in devices)
        for queryset in devices:
            queryset.delete()  # the user is signed out by drop_orphaned_backup_codes
    return removed


def drop_orphaned_backup_codes(sender, instance, **kwargs) -> None:
    """post_delete of an authenticator, from any door (the Django admin, the reset
    action, replacing the phone): with no confirmed authenticator left, the backup
    codes go too, so the next sign-in enrols instead of asking for a code, and the
    user is signed out everywhere, so the lost phone's open session cannot enrol a
    new authenticator without the password."""
    if TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists():
        return
    StaticDevice.objects.filter(user_id=instance.user_id).delete()
    if instance.confirmed:
        end_sessions_of(instance.user)


def verify_second_factor(*, user, token: str):
    """The confirmed device that accepts ``token`` (an authenticator code or a
    backup code), or None. Each device throttles repeated failures itself."""
    token = token.strip().replace(" ", "")
    if not token or len(token) > 16:
        return None
    devices = [
        *TOTPDevice.objects.devices_for_user(user, confirmed=True),
        *StaticDevice.objects.devices_for_user(user, confirmed=True),
    ]
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            continue
        candidate = _digits(token) if isinstance(device, TOTPDevice) else token.lower()
        if candidate and device.verify_token(candidate):
            return device
    return None


def _digits(token: str) -> str:
    token = token.strip().replace(" ", "")
    return token if token.isdigit() and len(token) <= 8 else ""
