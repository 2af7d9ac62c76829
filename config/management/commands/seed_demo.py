from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import charting.demo
import clinic.demo
import planning.demo
import security.demo


class Command(BaseCommand):
    help = "Load invented demo data (idempotent). Refused in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        # From the bottom floor up: each app's demo builds on the ones below it.
        for demo in (
            clinic.demo,
            security.demo,
            planning.demo,
            charting.demo,
        ):
            demo.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
