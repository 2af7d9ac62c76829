from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

import charting.demo
import charting.prerender
import clinic.demo
import clinic.demo_schedule
import planning.demo
import planning.demo_intake
import security.demo
from charting.review_timing import REVIEW_DAYS
from clinic.demo_story import resolve


class Command(BaseCommand):
    help = "Load invented demo data (idempotent). Refused in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        # From the bottom floor up: each app's demo builds on the ones below it. The
        # clinic's setting (locations, staff, patients, the holiday and the leave) comes
        # first; then the one story (clinic.demo_story), dated once, from which the
        # appointment book and the charts are both made.
        clinic.demo.seed(self.stdout)
        story = resolve(now=timezone.now(), review_days=REVIEW_DAYS)
        clinic.demo_schedule.seed(self.stdout, story=story)
        security.demo.seed(self.stdout)
        planning.demo.seed(self.stdout, story=story)
        planning.demo_intake.seed(self.stdout)
        charting.demo.seed(self.stdout, story=story)
        # With a worker: the demo's histories and records laid out ahead, so the tour's
        # first PDF is a kept one (charting.prerender; nothing in eager mode).
        charting.prerender.demo_seeded()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
