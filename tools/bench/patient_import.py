"""Importing patients from a CSV (issue 23: "imports 1,000 patients from a CSV in
under a minute with every bad row explained first"): wall seconds, CPU seconds and
queries of each step, through the real pages as a clinic admin.

    python -m tools.bench.patient_import [--rows 1000] [--bad 25] [--clinic 0]

Steps, as the admin does them: upload a file of ``--rows`` invented patients of
which ``--bad`` have a problem (read, check, keep), open the preview that explains
them, upload the corrected file, open its preview, import (every patient, audited).
``--clinic N`` first adds N invented patients, so the duplicate checks run against
a clinic that already has patients. Needs a migrated PostgreSQL database
(DATABASE_URL); everything runs in one transaction that is rolled back at the end,
so nothing stays. CPU time (``time.process_time``) is this process's (Python,
templates, the database driver); the database's own time shows in wall time only.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _RollBack(Exception):
    pass


def invented_rows(count: int, bad: int, rng: random.Random) -> list[list[str]]:
    firsts = ["Ann", "Ben", "Cleo", "Dev", "Esme", "Finn", "Gia", "Hugo", "Iris", "Jon"]
    rows = []
    for n in range(count):
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        rows.append(
            [
                rng.choice(firsts),
                f"Benchimport{n:05d}",
                born.isoformat() if n % 2 else born.strftime("%m/%d/%Y"),
                rng.choice("FMXU"),
                f"(555) 01{n % 100:02d}-{n % 10000:04d}",
                f"import{n}@bench.invalid",
                f"OLD-{n:05d}" if n % 3 == 0 else "",
            ]
        )
    spoil = [
        lambda r: r.__setitem__(0, ""),  # no first name
        lambda r: r.__setitem__(2, "1980-02-30"),  # no such day
        lambda r: r.__setitem__(6, "OLD-00000"),  # the chart number of row 0
        lambda r: r.__setitem__(1, "x" * 10_000),  # a huge cell
    ]
    for k, index in enumerate(rng.sample(range(1, count), bad)):
        spoil[k % len(spoil)](rows[index])
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["first_name", "last_name", "date_of_birth", "sex", "phone", "email", "chart_number"]
    )
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--bad", type=int, default=25)
    parser.add_argument("--clinic", type=int, default=0)
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
    from clinic.models import Patient, PatientImport, User
    from clinic.roles import Role

    from .pages import client_for

    rng = random.Random(23)
    bad_rows = invented_rows(args.rows, args.bad, rng)
    good_rows = invented_rows(args.rows, 0, random.Random(23))
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
                    first_name="Clinic",
                    last_name=f"Benchexisting{n:06d}",
                    date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20000),
                    chart_number=f"BENCHX-{n:06d}",
                )
                for n in range(args.clinic)
            )
            admin = User.objects.create_user("import-bench@bench.invalid", first_name="Bench")
            admin.groups.add(Group.objects.get(name=Role.ADMIN))
            client = client_for(admin)

            def upload(data):
                file = SimpleUploadedFile("patients.csv", data, content_type="text/csv")
                return client.post("/patients/import/", {"file": file}, secure=True)

            step(f"upload {args.rows} rows, {args.bad} bad", lambda: upload(as_csv(bad_rows)))
            page = step(
                "preview (problems listed)", lambda: client.get("/patients/import/", secure=True)
            )
            explained = page.content.count(b"<tr data-line=")  # rows explained on the page
            step(f"upload the corrected {args.rows}", lambda: upload(as_csv(good_rows)))
            step("preview (all ready)", lambda: client.get("/patients/import/", secure=True))
            sha = PatientImport.objects.get(user=admin).file_sha256
            step(
                f"import {args.rows} patients",
                lambda: client.post(
                    "/patients/import/confirm/",
                    {"submit_token": once.new_token(), "sha256": sha},
                    secure=True,
                ),
            )
            imported = Patient.objects.filter(email__endswith="@bench.invalid").count()
            raise _RollBack
    except _RollBack:
        pass
    print(f"{'step':40} {'wall s':>8} {'CPU s':>8} {'queries':>8}")
    for name, wall, cpu, queries in results:
        print(f"{name:40} {wall:8.2f} {cpu:8.2f} {queries:8d}")
    total_wall = sum(r[1] for r in results)
    total_cpu = sum(r[2] for r in results)
    print(f"{'all steps':40} {total_wall:8.2f} {total_cpu:8.2f}")
    print(
        f"bad rows explained: {explained} of {args.bad}; patients imported: {imported} "
        f"of {args.rows}; clinic had {args.clinic} (all rolled back); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
