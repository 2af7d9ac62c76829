import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bench import audit_trail, charts, history, people, plans, rows, schedule
from clinic.models import Location, Patient

CHUNK = 2000


class Command(BaseCommand):
    help = (
        "Fill an empty database with invented bench data: N patients with 1-12 treatment "
        "cycles each over ten years (plans, signed charts, reviews, touch-ups, audit "
        "events), 20 injectors, 3 locations, two years of appointments."
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
        self.verbosity = options["verbosity"]
        triggers_off = rows.fast_load()
        try:
            self.generate(patients=patients, rng=random.Random(seed), triggers_off=triggers_off)
        finally:
            rows.end_load()

    def generate(self, *, patients: int, rng: random.Random, triggers_off: bool) -> None:
        started, cpu = time.monotonic(), time.process_time()
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
                cycles = history.make_history(patients=chunk, ctx=ctx, rng=rng, counts=counts)
                plans.make_plans(cycles=cycles, ctx=ctx, rng=rng, counts=counts)
                charts.make_charts(
                    cycles=cycles,
                    names={p.pk: p.full_name for p in chunk},
                    ctx=ctx,
                    rng=rng,
                    counts=counts,
                    triggers_off=triggers_off,
                )
            done += size
            if self.verbosity > 1 or done % (CHUNK * 10) == 0:
                self.progress(f"{done} patients", done + counts.total(), started, cpu)
        with transaction.atomic():
            appointments = schedule.make_appointments(
                patient_ids=patient_ids, injectors=staff["injectors"], ctx=ctx, rng=rng
            )
        with transaction.atomic():
            audit_trail.make_events(staff=staff, ctx=ctx, rng=rng, counts=counts)
        if self.verbosity > 0:
            self.progress("appointments and audit events", None, started, cpu)
        rows.analyze()
        seconds = time.monotonic() - started
        total = patients + appointments + counts.total()
        self.stdout.write(
            self.style.SUCCESS(
                f"bench data: {patients} patients, {counts.visits} visits, "
                f"{counts.screenings} screenings, {counts.maps} movement maps, "
                f"{counts.observations} observations, {counts.photos} photos, "
                f"{counts.due_reviews} due reviews, {appointments} appointments"
                + "".join(f", {v} {k}" for k, v in counts.extra.items())
                + f"; {total} rows in {seconds:.1f} s ({total / seconds:,.0f} rows/s, "
                f"{time.process_time() - cpu:.0f} s of Python CPU)"
            )
        )

    def progress(self, what: str, total_rows: int | None, started: float, cpu: float) -> None:
        seconds = time.monotonic() - started
        made = f", {total_rows} rows" if total_rows is not None else ""
        self.stdout.write(
            f"  {what}{made}, {seconds:.0f} s ({time.process_time() - cpu:.0f} s Python CPU)"
        )
        self.stdout.flush()
