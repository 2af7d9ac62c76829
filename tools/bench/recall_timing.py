"""The recall list by area (issue 20): wall and CPU time and queries of
``charting.next_cycle_recall.patients_due_back`` for a clinic with many patients
treated 90 to 400 days ago, and the cost of one ``recall_window``.

    python -m tools.bench.recall_timing [--patients 2000] [--windows 20000]

``--patients`` invented patients each get a completed treatment appointment 90–400
days ago (treated before they were charted here: the general window; the areas path
is timed by itself, ``--windows`` calls of ``recall_window`` with glabella, crow's feet
and an own interval). Needs a migrated PostgreSQL
database (DATABASE_URL); everything runs in one transaction rolled back at the end.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _RollBack(Exception):
    pass


def _seed(*, patients: int) -> None:
    from django.utils import timezone

    from clinic.models import Appointment, Location, Patient, User

    location = Location.objects.create(name="Bench recall")
    injector = User.objects.create(email="recall@bench.invalid", first_name="B", last_name="I")
    rows = Patient.objects.bulk_create(
        Patient(
            first_name="Pat",
            last_name=f"Benchrecall{n:05d}",
            date_of_birth=datetime.date(1980, 1, 1),
            chart_number=f"BR-{n:05d}",
            email=f"r{n}@bench.invalid",
        )
        for n in range(patients)
    )
    now = timezone.now()
    starts = [
        now - datetime.timedelta(days=90 + n % 310, minutes=30 * (n // 310))
        for n in range(patients)
    ]
    Appointment.objects.bulk_create(
        Appointment(
            patient=p,
            kind=Appointment.Kind.TREATMENT,
            location=location,
            injector=injector,
            starts_at=at,
            ends_at=at + datetime.timedelta(minutes=30),
            status=Appointment.Status.COMPLETED,
            created_by=injector,
        )
        for p, at in zip(rows, starts, strict=True)
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--windows", type=int, default=20000)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a migrated database)")
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from charting.next_cycle_recall import patients_due_back
    from charting.recall_timing import DurationTable, recall_window
    from planning.models import Muscle

    try:
        with transaction.atomic():
            _seed(patients=args.patients)
            today = timezone.localdate()
            for run in range(3):
                wall, cpu = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as queries:
                    due = patients_due_back(today=today)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"recall list, {args.patients} candidates, run "
                    f"{run + 1}: {len(due)} due, {len(queries)} queries, "
                    f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
                )
            table = DurationTable.load()
            ids = list(
                Muscle.objects.filter(code__in=["CORR", "PROC", "OOC"]).values_list("pk", flat=True)
            )
            days = [today - datetime.timedelta(days=d) for d in (400, 280, 150)]
            cpu = time.process_time()
            for n in range(args.windows):
                recall_window(
                    treated_on=today,
                    product_id=None,
                    muscle_ids=ids[: 1 + n % 3],
                    cycle_days=days if n % 2 else (),
                    table=table,
                )
            cpu = time.process_time() - cpu
            print(
                f"recall_window: {args.windows} windows, {cpu / args.windows * 1e6:.1f} µs CPU each"
            )
            raise _RollBack
    except _RollBack:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
