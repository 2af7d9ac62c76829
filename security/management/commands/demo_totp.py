from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from security.demo import DEMO_TOTP_SECRET, DEMO_TOTP_USER, demo_key_hex


class Command(BaseCommand):
    help = "Print the demo admin's current authenticator code (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_totp refuses to run with DJANGO_ENV=production.")
        code = TOTP(bytes.fromhex(demo_key_hex())).token()
        self.stdout.write(f"{DEMO_TOTP_USER}  key {DEMO_TOTP_SECRET}  code now: {code:06d}")
