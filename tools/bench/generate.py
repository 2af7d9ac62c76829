"""The bench data: N invented patients with their whole history, made fast.

``make_bench_data(patients=N)`` fills an empty database; ``manage.py
make_bench_data --patients N`` (with the bench's settings overlay,
tools/bench/settings.py) and the tests call it.
"""

from __future__ import annotations

import random
import sys
import time

from django.conf import settings
from django.db import transaction

from audit.models import AuditEvent
from charting.models import Injection
from charting.reviews.models import Finding
from clinic.models import Location, Patient
from planning.models import InjectionPoint, Observation

from . import audit_trail, charts, people, plans, rows, schedule, visits

CHUNK = 2000
# The biggest tables: their plain indexes are built once at the end (the points
# keep the one on plan_id, which charting and reviews read them by).
DEFERRED = [Observation, InjectionPoint, Injection, Finding, AuditEvent]


class BenchDataRefused(Exception):
    pass


def make_bench_data(*, patients: int, seed: int = 11, verbosity: int = 1, out=None) -> str:
    """Make the data; returns the summary line (also written to ``out`` when verbose)."""
    if settings.PRODUCTION:
        raise BenchDataRefused("make_bench_data refuses to run with DJANGO_ENV=production.")
    if patients < 1:
        raise BenchDataRefused("--patients must be at least 1.")
    if Location.objects.filter(name__in=people.LOCATIONS).exists():
        raise BenchDataRefused("Bench data exists already; start from an empty database.")
    run = _Run(verbosity=verbosity, out=out or sys.stdout)
    triggers_off = rows.fast_load()
    try:
        with rows.indexes_deferred(DEFERRED, keep=["(plan_id)"]):
            run.generate(patients=patients, rng=random.Random(seed), triggers_off=triggers_off)
        run.progress("indexes built", None)
        rows.analyze()
    finally:
        rows.end_load(replica=triggers_off)
    seconds = time.monotonic() - run.started
    return (
        f"bench data: {run.summary}; {run.rows} rows in {seconds:.1f} s "
        f"({run.rows / seconds:,.0f} rows/s, "
        f"{time.process_time() - run.cpu:.0f} s of Python CPU)"
    )


class _Run:
    def __init__(self, *, verbosity: int, out) -> None:
        self.verbosity, self.out = verbosity, out
        self.started, self.cpu = time.monotonic(), time.process_time()
        self.rows, self.summary = 0, ""

    def generate(self, *, patients: int, rng: random.Random, triggers_off: bool) -> None:
        with transaction.atomic():
            staff = people.make_staff()
        ctx = visits.Context(staff, later=rows.Later(replica=triggers_off and rows.postgres()))
        counts = visits.Counts()
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
                    cycles = visits.make_visits(patients=chunk, ctx=ctx, rng=rng, counts=counts)
                    plans.make_plans(
                        cycles=cycles, ctx=ctx, rng=rng, counts=counts, triggers_off=triggers_off
                    )
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
        if self.verbosity < 1:
            return
        seconds = time.monotonic() - self.started
        made = f", {total_rows} rows" if total_rows is not None else ""
        self.out.write(
            f"  {what}{made}, {seconds:.0f} s ({time.process_time() - self.cpu:.0f} s Python CPU)\n"
        )
        self.out.flush()
