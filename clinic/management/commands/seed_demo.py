from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load invented demo data (idempotent). Refused in production."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run with DJANGO_ENV=production.")
        # Each of our apps may have a demo module with seed(out); run in app order,
        # so charting's demo data can build on planning's and the clinic's.
        for config in apps.get_app_configs():
            if config.name not in ("clinic", "planning", "charting", "reviews", "security"):
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
