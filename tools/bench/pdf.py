"""PDF figures of `make bench`: seconds and peak memory of an injection-map
report and of a 40-treatment treatment history (first render and kept), and the
click-to-download latency of each through the real Celery worker.

    python -m tools.bench.pdf [--smoke] [--click]    (``make bench-reports`` runs it alone)

The subject is a patient of the bench data with enough signed treatments, or
else an invented one made once and kept (chart number ``BENCH-40``, "Bench
Fortytreatments", lot ``BENCH-LOT``; ``BENCH-10`` in the smoke run): committed
because the worker must read it, and named so nobody mistakes it for a real
record. It has no e-mail, no movement map and no appointment, so none of the
measured pages draws it into their rotations.

Rendering runs in a fresh child process per report so that the peak resident
memory is the render's own (the child's ``ru_maxrss``, with what the process
held before rendering beside it); seconds are wall and CPU time, the median
of the repetitions. The history is rendered the way the worker renders it
(``history_pages.history_pdf``: kept parts): a *first render*, the patient's
parts deleted before it (every signed cycle laid out, ten at a time, and kept),
then a *kept render* (the parts and the front matter read from storage, the
margins and the time of making laid out, merged). The whole document in one layout, as before issue
22's kept parts, is ``python -m tools.bench.history_pdf --modes whole``.

Click-to-download asks for the report the way the pages do (a POST to the
report view, which creates the ReportJob and queues it after commit), waits
for the job to be done, and downloads the file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREATMENTS, SMOKE_TREATMENTS = 40, 10
# A first render of 40 cycles on a loaded 2-core machine can pass 2 minutes.
CLICK_TIMEOUT_SECONDS = 600
POINTS = [  # muscle, side, units: a full upper face, the same every treatment
    ("CORR", "L", 5), ("CORR", "R", 4), ("PROC", "C", 4), ("FRONT", "L", 2),
    ("FRONT", "R", 2), ("OOC", "L", 4), ("OOC", "R", 3), ("DAO", "R", 2),
]  # fmt: skip


def point_position(code: str, side: str) -> tuple[Decimal, Decimal]:
    """Where the bench draws a point: its muscle's region's centre (where the plan
    page puts a point added from the table), checked by the plan's position rule
    (planning.face.position_refusal), so a bench plan is one the editor would save."""
    from planning.face import default_position, position_refusal

    x, y = (Decimal(str(v)) for v in default_position(code, side))
    refusal = position_refusal(muscle=code, side=side, x=x, y=y)
    if refusal:
        raise ValueError(f"bench point {code} {side}: {refusal}")
    return x, y


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tools.bench.settings")
    import django

    django.setup()


def bench_injector():
    """The first bench injector (``make_bench_data``), else any injector (demo data)."""
    from clinic.access import injectors

    from .people import email

    found = injectors().filter(email=email("injector", 1)).first()
    found = found or injectors().filter(default_location__isnull=False).order_by("pk").first()
    if found is None:
        raise SystemExit("bench.pdf needs an injector: run make_bench_data or seed_demo first")
    return found


def signed_treatments():
    from charting.models import Treatment

    return Treatment.objects.filter(signed_at__isnull=False)


def patient_from_bench_data(count: int) -> int | None:
    """A bench-data patient with at least ``count`` signed treatments, if any."""
    from django.db.models import Count

    row = (
        signed_treatments()
        .filter(visit__patient__email__endswith=".invalid")
        .values("visit__patient")
        .annotate(n=Count("pk"))
        .filter(n__gte=count)
        .order_by("n", "visit__patient")
        .first()
    )
    return row["visit__patient"] if row else None


def make_patient(*, count: int, by) -> int:
    """The invented patient ``BENCH-<count>`` with one signed treatment every 100
    days (plan, consent, vial, eight injections each), charted and signed as the demo
    data is (``charting.demo.treatments.charted_and_signed``); made once, then reused."""
    from django.db import transaction
    from django.utils import timezone

    from charting.demo.treatments import charted_and_signed
    from charting.models import Lot
    from clinic.models import Patient
    from planning.models import Product

    chart = f"BENCH-{count}"
    patient = Patient.objects.filter(chart_number=chart).first()
    if patient and signed_treatments().filter(visit__patient=patient).count() >= count:
        return patient.pk
    product = Product.objects.get(code="botox-cosmetic")
    today = timezone.localdate()
    with transaction.atomic():
        patient, _ = Patient.objects.get_or_create(
            chart_number=chart,
            defaults={
                "first_name": "Bench",
                "last_name": "Fortytreatments" if count == TREATMENTS else f"Treatments{count}",
                "date_of_birth": datetime.date(1980, 1, 1),
            },
        )
        lot, _ = Lot.objects.get_or_create(
            product=product,
            number="BENCH-LOT",
            defaults={"expiry_date": today + datetime.timedelta(days=900)},
        )
        for n in range(count):
            day = today - datetime.timedelta(days=100 * (count - n))
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            visit, plan = _planned_visit(patient=patient, product=product, day=day, at=at, by=by)
            charted_and_signed(visit=visit, plan=plan, lot=lot, by=by, at=at)
    return patient.pk


def _planned_visit(*, patient, product, day, at, by):
    """A treatment visit on ``day`` with a final plan of ``POINTS``."""
    from planning.choices import PlanStatus, VisitKind
    from planning.models import InjectionPoint, Muscle, TreatmentPlan, Visit

    muscles = Muscle.objects.in_bulk(field_name="code")
    visit = Visit.objects.create(
        patient=patient,
        location=by.default_location,
        injector=by,
        created_by=by,
        date=day,
        kind=VisitKind.TREATMENT,
    )
    plan = TreatmentPlan.objects.create(
        visit=visit,
        product=product,
        vial_units=100,
        diluent_ml=Decimal("2.5"),
        created_by=by,
    )
    InjectionPoint.objects.bulk_create(
        InjectionPoint(
            plan=plan,
            muscle=muscles[code],
            side=side,
            x=point_position(code, side)[0],
            y=point_position(code, side)[1],
            units=units,
            order=i,
        )
        for i, (code, side, units) in enumerate(POINTS)
    )
    # final once its points are in: a final plan's points never change (planning/0016)
    plan.status, plan.finalized_at = PlanStatus.FINAL, at
    plan.save(update_fields=["status", "finalized_at"])
    return visit, plan


def subjects(count: int) -> dict:
    """The history's patient and one of its signed treatments (the injection map)."""
    by = bench_injector()
    patient_id = patient_from_bench_data(count) or make_patient(count=count, by=by)
    treatments = signed_treatments().filter(visit__patient_id=patient_id)
    return {
        "patient": patient_id,
        "treatment": treatments.order_by("-signed_at", "-pk").values_list("pk", flat=True)[0],
        "treatments": treatments.count(),
        "user": by,
    }


# -- rendering, in a child process ------------------------------------------------


def render(kind: str, subject: int, reps: int) -> dict:
    """Render one report ``reps`` times in this process: pages, seconds, peak RSS."""
    setup_django()
    from charting.reports.history_pages import history_pdf, kept_injection_map
    from charting.reports.patient_history import build_history
    from charting.reports.rendering import html_to_pdf, render_pdf
    from charting.reports.treatments import injection_map_pdf
    from clinic.models import Patient

    html_to_pdf("<p>warm-up</p>")  # fonts and WeasyPrint's own stylesheet, once per process
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, cpus = [], []
    for _ in range(reps):
        if kind == "history_first":
            forget_history_parts(subject)
        wall, cpu = time.perf_counter(), time.process_time()
        if kind in ("history_first", "history_kept"):  # the worker's path (documents.py)
            context = build_history(patient=Patient.objects.get(pk=subject))
            pdf = history_pdf(context=context)
        elif kind == "history_whole":  # one layout of the whole document (before issue 22)
            context = build_history(patient=Patient.objects.get(pk=subject))
            pdf = render_pdf(template="pdf/history.html", context=context)
        else:
            pdf = injection_map_pdf(  # as the worker asks (documents.render_injection_map)
                treatment_id=subject, progress=lambda p: None, kept=kept_injection_map
            )
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "kind": kind,
        "pages": pdf.pages,
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "base_rss_mb": base_mb,
        "bytes": len(pdf.content),
        "reps": reps,
    }


def forget_history_parts(patient_id: int) -> None:
    """Delete the patient's kept history parts and front matter (rows and files): the
    next history is a first render."""
    from charting.reports.models import HistoryPart
    from charting.reports.storage import private_storage

    parts = HistoryPart.objects.filter(treatment__visit__patient_id=patient_id, document="history")
    fronts = HistoryPart.objects.filter(patient_id=patient_id, document="history-front")
    for row in [*parts, *fronts]:
        private_storage().delete(row.name)
        row.delete()


def render_in_child(kind: str, subject: int, reps: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.bench.pdf",
            "--render",
            kind,
            str(subject),
            "--reps",
            str(reps),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench.pdf: rendering the {kind} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def render_figure(r: dict) -> str:
    return (
        f"{r['pages']} · {r['seconds']:.2f} ({r['cpu_seconds']:.2f}) · "
        f"{r['peak_rss_mb']:.0f} (+{r['peak_rss_mb'] - r['base_rss_mb']:.0f})"
    )


# -- click to download, through the running worker ---------------------------------


def click_to_download(client, *, url: str, data: dict | None = None) -> float:
    """Seconds from the POST that asks for a report to the downloaded file. The
    form's date fields are posted empty, as the browser sends them (all visits),
    unless ``data`` says what the form sends."""
    from django.urls import resolve

    from charting.reports.models import ReportJob, Status

    began = time.perf_counter()
    response = client.post(url, data or {"date_from": "", "date_to": ""}, secure=True)
    if response.status_code != 302:
        raise SystemExit(f"bench.pdf: {url} answered {response.status_code}")
    job_id = resolve(response["Location"]).kwargs["job_id"]
    deadline = began + CLICK_TIMEOUT_SECONDS
    status = Status.QUEUED
    while status != Status.DONE:
        if time.perf_counter() > deadline or status == Status.FAILED:
            raise SystemExit(f"bench.pdf: report job {job_id} is {status} (is the worker up?)")
        time.sleep(0.05)
        status = ReportJob.objects.values_list("status", flat=True).get(pk=job_id)
    response = client.get(f"/reports/jobs/{job_id}/download/", secure=True)
    content = b"".join(response.streaming_content) if response.status_code == 200 else b""
    if not content.startswith(b"%PDF"):
        raise SystemExit(f"bench.pdf: job {job_id}'s download answered {response.status_code}")
    return time.perf_counter() - began


PRERENDER_TIMEOUT_SECONDS = 600


def prerendered_click(
    client, *, url: str, patient_id: int, document: str, forget, data: dict | None = None
) -> tuple[float, float]:
    """The click after the pre-render (``charting.prerender``): the patient's parts of
    ``document`` forgotten (``forget``), the pre-render task sent to the worker as a
    signing sends it, its parts awaited (nobody waits for this in the clinic), then
    the click. Returns (seconds until the parts were kept, click-to-download)."""
    from charting import prerender
    from charting.reports.models import HistoryPart

    forget(patient_id)
    wanted = (
        signed_treatments().filter(visit__patient_id=patient_id, touch_up_of__isnull=True).count()
    )
    began = time.perf_counter()
    if not prerender.send(patient_id=patient_id):
        raise SystemExit("bench.pdf: the pre-render was not sent (REDIS_URL, a worker?)")
    parts = HistoryPart.objects.filter(treatment__visit__patient_id=patient_id, document=document)
    while parts.count() < wanted:
        if time.perf_counter() - began > PRERENDER_TIMEOUT_SECONDS:
            raise SystemExit("bench.pdf: the pre-render did not finish (is the worker up?)")
        time.sleep(0.2)
    laid_out = time.perf_counter() - began
    return laid_out, click_to_download(client, url=url, data=data)


def click_figures(subject: dict, reps: int) -> dict[str, list[float]]:
    from .pages import client_for

    client = client_for(subject["user"])
    urls = {
        "injection_map": f"/reports/treatments/{subject['treatment']}/map/",
        "history": f"/reports/patients/{subject['patient']}/history/",
    }
    click_to_download(client, url=urls["injection_map"])  # the worker's first PDF loads fonts
    return {
        kind: sorted(click_to_download(client, url=url) for _ in range(reps))
        for kind, url in urls.items()
    }


# -- the figures ------------------------------------------------------------------


def figures(args, *, click: bool = True) -> list[tuple[str, str]]:
    """Rows for the bench table (what, figure); ``make bench`` calls this with its
    server and worker running."""
    began = time.monotonic()
    count = SMOKE_TREATMENTS if args.smoke else TREATMENTS
    reps = 1 if args.smoke else 3
    subject = subjects(count)
    smoke = f" (smoke run; the full run uses {TREATMENTS})" if args.smoke else ""
    history = f"history of {subject['treatments']} signed treatments{smoke}"
    what = "pages · s wall (CPU) · peak RSS MB (+ over the idle process)"
    rows = []
    for kind, label, subject_id, times in (
        ("injection_map", "injection map", subject["treatment"], reps),
        # the worker's path: kept parts (history_pages); a first render is slow, so once
        ("history_first", f"{history}, first render (nothing kept: all laid out)", None, 1),
        (
            "history_kept",
            f"{history}, kept render (parts and front read, margins laid out)",
            None,
            reps,
        ),
    ):
        result = render_in_child(kind, subject_id or subject["patient"], times)
        median = f"median of {times}" if times > 1 else "once"
        rows.append((f"PDF {label}: {what}, {median}", render_figure(result)))
    if click:
        times = click_figures(subject, reps)
        for kind, label in (("injection_map", "injection map"), ("history", history)):
            median = statistics.median(times[kind])
            rows.append(
                (
                    f"click-to-download through the worker, {label}, median of {reps} (s)",
                    f"{median:.2f}",
                )
            )
    print(f"  PDF figures: {time.monotonic() - began:.1f} s", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.pdf")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_TREATMENTS} treatments, once")
    parser.add_argument(
        "--click", action="store_true", help="also click-to-download (needs a running worker)"
    )
    parser.add_argument("--render", nargs=2, metavar=("KIND", "ID"), help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:  # the child
        print(json.dumps(render(args.render[0], int(args.render[1]), args.reps)))
        return 0
    setup_django()
    for what, figure in figures(args, click=args.click):
        print(f"{what}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
