"""The patient summary's figures (issue 20): milliseconds to build the summary of a
visit (the sentences, the timeline, the answers) with its query count, and seconds
to render its PDF in-process (WeasyPrint, on the letterhead), medians of repetitions.

    python -m tools.bench.patient_summary [--visits 20] [--pdfs 3]

Reads the database of DATABASE_URL (the demo data: ``manage.py seed_demo``, or the
bench data): the latest visits that have a signed treatment or a final plan.
"""

from __future__ import annotations

import argparse
import statistics
import time

from .pdf import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--pdfs", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from charting.reports.patient_summary import build_summary, summary_context
    from charting.reports.rendering import html_to_pdf, render_html
    from planning.models import Visit

    visits = list(
        Visit.objects.with_people()
        .filter(Q(treatment__signed_at__isnull=False) | Q(plans__status="final"))
        .distinct()
        .order_by("-date", "-id")[: args.visits]
    )
    if not visits:
        raise SystemExit("no visit with a signed treatment or a final plan: seed_demo first")
    build_ms, queries, areas = [], [], []
    for visit in visits:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            summary = build_summary(visit=visit)
            build_ms.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
        areas.append(len(summary.areas))
    from django.template.loader import render_to_string

    from charting.models import Treatment
    from charting.reports.summary_email import email_context

    email_ms = []
    for treatment in (
        Treatment.objects.signed()
        .filter(visit__in=visits)
        .select_related("visit__patient", "visit__location", "product")
    ):
        started = time.perf_counter()
        context = email_context(treatment=treatment)
        render_to_string("reports/summary_email.txt", context)
        render_to_string("reports/summary_email.html", context)
        email_ms.append((time.perf_counter() - started) * 1000)
    pdf_s, pages = [], []
    for visit in visits[: args.pdfs]:
        started = time.perf_counter()
        pdf = html_to_pdf(
            render_html(template="pdf/patient_summary.html", context=summary_context(visit=visit))
        )
        pdf_s.append(time.perf_counter() - started)
        pages.append(pdf.pages)
    print(f"visits: {len(visits)} (muscles per summary {min(areas)}–{max(areas)})")
    print(
        f"build_summary: median {statistics.median(build_ms):.1f} ms, "
        f"max {max(build_ms):.1f} ms; queries {min(queries)}–{max(queries)}"
    )
    if email_ms:
        print(
            f"summary email (context, text and HTML parts): median "
            f"{statistics.median(email_ms):.1f} ms, max {max(email_ms):.1f} ms over {len(email_ms)}"
        )
    print(
        f"PDF in-process: median {statistics.median(pdf_s):.2f} s over {len(pdf_s)}, "
        f"pages {min(pages)}–{max(pages)}"
    )


if __name__ == "__main__":
    main()
