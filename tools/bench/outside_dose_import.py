"""Importing past toxin treatments from a CSV as patient-reported history (issue 23):
wall seconds, CPU seconds and queries of each step, through the real pages as a
clinic admin.

    python -m tools.bench.outside_dose_import [--rows 1000] [--bad 25]

Steps, as the admin does them: upload a file of ``--rows`` invented treatments (of
``--rows`` invented patients added first) of which ``--bad`` have a problem, open
the preview that explains them, upload the corrected file, open its preview, import
(every dose through ``planning.outside_doses``, audited). Needs a migrated
PostgreSQL database (DATABASE_URL); everything runs in one transaction that is
rolled back at the end, so nothing stays. CPU time is this process's.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = [
    "chart_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "date",
    "product",
    "units",
    "where",
]


class _RollBack(Exception):
    pass


def invented_rows(count: int, bad: int, rng: random.Random, brand: str) -> list[list[str]]:
    today = datetime.date.today()
    rows = []
    for n in range(count):
        given = today - datetime.timedelta(days=30 + rng.randrange(2000))
        if n % 2:
            rows.append(
                [
                    f"BENCHD-{n:06d}",
                    "",
                    "",
                    "",
                    given.isoformat(),
                    brand,
                    str(10 + n % 40),
                    "Elsewhere",
                ]
            )
        else:
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000)
            rows.append(
                [
                    "",
                    "Dose",
                    f"Benchdose{n:06d}",
                    born.isoformat(),
                    f"{given:%Y-%m}",
                    "unknown",
                    "unknown",
                    "Migraine",
                ]
            )
    spoil = [
        lambda r: r.__setitem__(0, "NOPE-1"),  # no such patient (a chart-number row)
        lambda r: r.__setitem__(4, "last spring"),  # not a date
        lambda r: r.__setitem__(5, "Miracle Toxin"),  # not in the product list
        lambda r: r.__setitem__(7, "x" * 10_000),  # a huge cell
    ]
    for k, index in enumerate(rng.sample(range(1, count // 2), bad)):
        spoil[k % len(spoil)](rows[2 * index + 1])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--bad", type=int, default=25)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a migrated database)")
    sys.path.insert(0, ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from clinic import once
    from clinic.models import Patient, User
    from clinic.roles import Role
    from planning.models import OutsideDose, OutsideDoseImport, Product

    from .pages import client_for

    brand = Product.objects.order_by("pk").values_list("brand", flat=True).first()
    bad_rows = invented_rows(args.rows, args.bad, random.Random(23), brand)
    good_rows = invented_rows(args.rows, 0, random.Random(23), brand)
    results = []

    def step(name, call):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = call()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code}")
        results.append((name, wall, cpu, len(queries)))
        return response

    try:
        with transaction.atomic():
            Patient.objects.bulk_create(
                Patient(
                    first_name="Dose",
                    last_name=f"Benchdose{n:06d}",
                    date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000),
                    chart_number=f"BENCHD-{n:06d}",
                )
                for n in range(args.rows)
            )
            admin = User.objects.create_user("dose-bench@bench.invalid", first_name="Bench")
            admin.groups.add(Group.objects.get(name=Role.ADMIN))
            client = client_for(admin)
            page_url = "/planning/import/past-toxin/"

            def upload(data):
                file = SimpleUploadedFile("past.csv", data, content_type="text/csv")
                return client.post(page_url, {"file": file}, secure=True)

            step(f"upload {args.rows} rows, {args.bad} bad", lambda: upload(as_csv(bad_rows)))
            page = step("preview (problems listed)", lambda: client.get(page_url, secure=True))
            explained = page.content.count(b"<tr data-line=")
            step(f"upload the corrected {args.rows}", lambda: upload(as_csv(good_rows)))
            step("preview (all ready)", lambda: client.get(page_url, secure=True))
            sha = OutsideDoseImport.objects.get(user=admin).file_sha256
            step(
                f"import {args.rows} treatments",
                lambda: client.post(
                    page_url + "confirm/",
                    {"submit_token": once.new_token(), "sha256": sha},
                    secure=True,
                ),
            )
            imported = OutsideDose.objects.filter(recorded_by=admin).count()
            raise _RollBack
    except _RollBack:
        pass
    print(f"{'step':40} {'wall s':>8} {'CPU s':>8} {'queries':>8}")
    for name, wall, cpu, queries in results:
        print(f"{name:40} {wall:8.2f} {cpu:8.2f} {queries:8d}")
    print(f"{'all steps':40} {sum(r[1] for r in results):8.2f} {sum(r[2] for r in results):8.2f}")
    print(
        f"bad rows explained: {explained} of {args.bad}; treatments imported: {imported} "
        f"of {args.rows} (all rolled back); load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
