"""Seconds and peak memory per page of the report PDFs (``make bench``-style, not a test).

    DATABASE_URL=... .venv/bin/python scripts/bench_reports.py

Creates (once) an invented bench patient with 40 signed treatment sessions in
the database of DATABASE_URL, then renders, each in a fresh child process so
the peak resident memory is the render's own: the injection map of one session
and the 40-session treatment history. Prints seconds, pages and peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
SESSIONS = 40
CHART = "BENCH-40"


def setup_django():
    import django

    django.setup()


def ensure_bench_patient() -> tuple[int, int]:
    """The bench patient and one of its treatments (made once, then reused)."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from charting.models import Consent, ConsentText, Injection, Lot, Treatment, Vial
    from clinic.models import Patient, User
    from planning.choices import PlanStatus, VisitKind
    from planning.models import InjectionPoint, Muscle, Product, TreatmentPlan, Visit

    patient = Patient.objects.filter(chart_number=CHART).first()
    if patient and Treatment.objects.filter(visit__patient=patient).count() >= SESSIONS:
        return patient.pk, Treatment.objects.filter(visit__patient=patient).first().pk
    injector = User.objects.get(email="injector@demo.clinic")
    product = Product.objects.get(code="botox-cosmetic")
    muscles = Muscle.objects.in_bulk(field_name="code")
    points = [
        ("CORR", "L", 5),
        ("CORR", "R", 4),
        ("PROC", "C", 4),
        ("FRONT", "L", 2),
        ("FRONT", "R", 2),
        ("OOC", "L", 4),
        ("OOC", "R", 3),
        ("DAO", "R", 2),
    ]
    with transaction.atomic():
        patient, _ = Patient.objects.get_or_create(
            chart_number=CHART,
            defaults={
                "first_name": "Bench",
                "last_name": "Fortysessions",
                "date_of_birth": datetime.date(1980, 1, 1),
            },
        )
        lot, _ = Lot.objects.get_or_create(
            product=product,
            number="BENCH-LOT",
            defaults={"expiry_date": timezone.localdate() + datetime.timedelta(days=900)},
        )
        text = ConsentText.objects.current()
        for n in range(SESSIONS):
            day = timezone.localdate() - datetime.timedelta(days=100 * (SESSIONS - n))
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            visit = Visit.objects.create(
                patient=patient,
                location=injector.default_location,
                injector=injector,
                created_by=injector,
                date=day,
                kind=VisitKind.TREATMENT,
            )
            plan = TreatmentPlan.objects.create(
                visit=visit,
                product=product,
                status=PlanStatus.FINAL,
                vial_units=100,
                diluent_ml=Decimal("2.5"),
                created_by=injector,
                finalized_at=at,
            )
            Consent.objects.create(
                visit=visit,
                consent_text=text,
                text_shown=text.body,
                areas="Glabella",
                signed_name=patient.full_name,
                signature_png=b"",
                signature_sha256="0" * 64,
                witnessed_by=injector,
                signed_at=at,
            )
            vial = Vial.objects.create(
                lot=lot,
                vial_units=100,
                diluent_ml=Decimal("2.5"),
                reconstituted_at=at,
                reconstituted_by=injector,
            )
            treatment = Treatment.objects.create(
                visit=visit,
                plan=plan,
                product=product,
                started_at=at,
                started_by=injector,
                updated_by=injector,
            )
            for i, (code, side, units) in enumerate(points):
                x = (
                    Decimal("0.35")
                    if side == "R"
                    else Decimal("0.65")
                    if side == "L"
                    else Decimal("0.5")
                )
                point = InjectionPoint.objects.create(
                    plan=plan,
                    muscle=muscles[code],
                    side=side,
                    x=x,
                    y=Decimal("0.2") + Decimal(i) / 20,
                    units=units,
                    order=i,
                )
                Injection.objects.create(
                    treatment=treatment,
                    point=point,
                    muscle=muscles[code],
                    side=side,
                    x=x,
                    y=point.y,
                    planned_units=units,
                    units=units,
                    vial=vial,
                    order=i,
                )
            Treatment.objects.filter(pk=treatment.pk).update(
                signed_at=at, signed_by=injector, content_hash="b" * 64, review_days=14
            )
    return patient.pk, Treatment.objects.filter(visit__patient=patient).first().pk


def render(kind: str, subject: int) -> dict:
    """In a child process: render one report, report seconds, pages, peak RSS."""
    setup_django()
    from clinic.models import Patient
    from reports.history import build_history
    from reports.rendering import html_to_pdf, render_pdf
    from reports.sessions import injection_map_pdf

    html_to_pdf("<p>warm-up</p>")  # fonts and WeasyPrint's own stylesheet, once per process
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if kind == "history":
        context = build_history(patient=Patient.objects.get(pk=subject))
        pdf = render_pdf(template="pdf/history.html", context=context)
    else:
        pdf = injection_map_pdf(treatment_id=subject, progress=lambda p: None)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "kind": kind,
        "seconds": round(seconds, 2),
        "pages": pdf.pages,
        "seconds_per_page": round(seconds / pdf.pages, 2),
        "peak_rss_mb": round(peak_mb),
        "base_rss_mb": round(base_mb),
        "bytes": len(pdf.content),
    }


def main() -> None:
    if len(sys.argv) == 3:  # child
        print(json.dumps(render(sys.argv[1], int(sys.argv[2]))))
        return
    setup_django()
    patient_id, treatment_id = ensure_bench_patient()
    for kind, subject in (("injection_map", treatment_id), ("history", patient_id)):
        out = subprocess.run(
            [sys.executable, __file__, kind, str(subject)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{kind:14} {result['pages']:3d} pages  {result['seconds']:6.2f} s  "
            f"{result['seconds_per_page']:5.2f} s/page  peak RSS {result['peak_rss_mb']} MB "
            f"(process before rendering {result['base_rss_mb']} MB)  "
            f"({result['bytes'] // 1024} KB)"
        )


if __name__ == "__main__":
    main()
