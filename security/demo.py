"""Demo second factor: the demo admin gets an authenticator with a documented,
public secret (never in production: seed_demo refuses to run there).

Add it to any TOTP app by the key ``DEMO_TOTP_SECRET``, or print the current
code with ``manage.py demo_totp``. With ``REQUIRE_2FA=1`` the demo admin then
signs in with password and code, as a real clinic admin would.
"""

from __future__ import annotations

import base64

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User

from .two_factor import TOTP_NAME, new_backup_codes

DEMO_TOTP_USER = "admin@demo.clinic"
# 20 invented bytes, base32: the published demo key, like the demo password.
DEMO_TOTP_SECRET = "MRSW233DNRUW42LDFV2G65DQFVVWK6JN"  # noqa: S105 - public demo key # nosec B105


def demo_key_hex() -> str:
    return base64.b32decode(DEMO_TOTP_SECRET).hex()


@transaction.atomic
def seed(out) -> None:
    user = User.objects.filter(email=DEMO_TOTP_USER).first()
    if user is None:
        return
    device, created = TOTPDevice.objects.get_or_create(
        user=user,
        name=TOTP_NAME,
        confirmed=True,
        defaults={"key": demo_key_hex()},
    )
    if created:
        new_backup_codes(user=user)
    out.write(f"security: demo admin authenticator key {DEMO_TOTP_SECRET}")
