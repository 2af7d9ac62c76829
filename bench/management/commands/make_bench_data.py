import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.models import AuditEvent
from bench import audit_trail, charts, history, people, plans, rows, schedule
from charting.models import Injection
from clinic.models import Location, Patient
from planning.models import InjectionPoint, Observation
from reviews.models import Finding

CHUNK = 2000
# The biggest tables: their plain indexes are built once at the end (the points
# keep the one on plan_id, which charting and reviews read them by).
DEFERRED = [Observation, InjectionPoint, Injection, Finding, AuditEvent]


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
        self.started, self.cpu = time.monotonic(), time.process_time()
        triggers_off = rows.fast_load()
        try:
            with rows.indexes_deferred(DEFERRED, keep=["(plan_id)"]):
                self.generate(patients=patients, rng=random.Random(seed), triggers_off=triggers_off)
            if self.verbosity > 0:
                self.progress("indexes built", None)
            rows.analyze()
        finally:
            rows.end_load()
        seconds = time.monotonic() - self.started
        self.stdout.write(
            self.style.SUCCESS(
                f"bench data: {self.summary}; {self.rows} rows in {seconds:.1f} s "
                f"({self.rows / seconds:,.0f} rows/s, "
                f"{time.process_time() - self.cpu:.0f} s of Python CPU)"
            )
        )

    def generate(self, *, patients: int, rng: random.Random, triggers_off: bool) -> None:
        with transaction.atomic():
            staff = people.make_staff()
        ctx = history.Context(staff, later=rows.Later(replica=triggers_off and rows.postgres()))
        counts = history.Counts()
        first_number = Patient.objects.count() + 1
        done = 0
        patient_ids: list[int] = []
        try:
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
                ctx.later.flush(counts)  # committed: the server makes the chunk's big tables
                done += size
                if self.verbosity > 1 or done % (CHUNK * 10) == 0:
                    self.progress(f"{done} patients", done + counts.total())
            with transaction.atomic():
                appointments = schedule.make_appointments(
                    patient_ids=patient_ids, injectors=staff["injectors"], ctx=ctx, rng=rng
                )
        finally:
            ctx.later.close(counts)  # the last chunk's statements; the worker's connection
        with transaction.atomic():
            audit_trail.make_events(staff=staff, ctx=ctx, rng=rng, counts=counts)
        if self.verbosity > 0:
            self.progress("appointments and audit events", None)
        self.rows = patients + appointments + counts.total()
        self.summary = (
            f"{patients} patients, {counts.visits} visits, "
            f"{counts.screenings} screenings, {counts.maps} movement maps, "
            f"{counts.observations} observations, {counts.photos} photos, "
            f"{counts.due_reviews} due reviews, {appointments} appointments"
            + "".join(f", {v} {k}" for k, v in counts.extra.items())
        )

    def progress(self, what: str, total_rows: int | None) -> None:
        seconds = time.monotonic() - self.started
        made = f", {total_rows} rows" if total_rows is not None else ""
        self.stdout.write(
            f"  {what}{made}, {seconds:.0f} s ({time.process_time() - self.cpu:.0f} s Python CPU)"
        )
        self.stdout.flush()
