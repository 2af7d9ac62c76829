import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bench import history, people, rows, schedule
from clinic.models import Location, Patient

CHUNK = 2000


class Command(BaseCommand):
    help = (
        "Fill an empty database with invented bench data: N patients with 1-12 treatment "
        "cycles each over ten years, 20 injectors, 3 locations, two years of appointments."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, *args, patients: int, seed: int, **options):
        if settings.PRODUCTION:
            raise CommandError("make_bench_data refuses to run with DJANGO_ENV=production.")
        if patients < 1:
            raise CommandError("--patients must be at least 1.")
        if Location.objects.filter(name__in=people.LOCATIONS).exists():
            raise CommandError("Bench data exists already; start from an empty database.")
        rng = random.Random(seed)
        rows.fast_commits()
        started = time.monotonic()
        with transaction.atomic():
            staff = people.make_staff()
        ctx = history.Context(staff)
        counts = history.Counts()
        first_number = Patient.objects.count() + 1
        done = 0
        patient_ids: list[int] = []
        while done < patients:
            size = min(CHUNK, patients - done)
            with transaction.atomic():
                chunk = people.make_patients(
                    start=first_number + done, count=size, rng=rng, locations=staff["locations"]
                )
                patient_ids.extend(p.pk for p in chunk)
                history.make_history(patients=chunk, ctx=ctx, rng=rng, counts=counts)
            done += size
            if options["verbosity"] > 1 or done % (CHUNK * 10) == 0:
                self.progress(done, counts, started)
        with transaction.atomic():
            appointments = schedule.make_appointments(
                patient_ids=patient_ids, injectors=staff["injectors"], ctx=ctx, rng=rng
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        total = patients + appointments + counts.total()
        self.stdout.write(
            self.style.SUCCESS(
                f"bench data: {patients} patients, {counts.visits} visits, "
                f"{counts.screenings} screenings, {counts.maps} movement maps, "
                f"{counts.observations} observations, {counts.photos} photos, "
                f"{counts.due_reviews} due reviews, {appointments} appointments"
                + "".join(f", {v} {k}" for k, v in counts.extra.items())
                + f"; {total} rows in {seconds:.1f} s ({total / seconds:,.0f} rows/s)"
            )
        )

    def progress(self, done, counts, started):
        seconds = time.monotonic() - started
        self.stdout.write(
            f"  {done} patients, {counts.total() + done} rows, {seconds:.0f} s", ending="\n"
        )
        self.stdout.flush()
