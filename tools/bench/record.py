"""Figures of the complete record (issue 23): pages, seconds and peak memory of the
complete medico-legal record of a 3-treatment and of a 40-treatment patient.

    python -m tools.bench.record [--smoke]     (--smoke: the 3-treatment patient, once)

The subjects are the invented bench patients of ``tools.bench.pdf`` (``BENCH-3`` and
``BENCH-40``: one signed treatment every 100 days with its consent, plan and eight
injections; made once, then kept). Each record is rendered (``build_record`` and
WeasyPrint, with the audit trail) in a fresh child process so that the peak resident
memory is the render's own; seconds are wall and CPU, the median of the repetitions.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from .pdf import ROOT, bench_injector, make_patient, setup_django

COUNTS = (3, 40)


def render(patient_id: int, reps: int) -> dict:
    """Render the patient's complete record ``reps`` times in this process."""
    setup_django()
    from charting.reports.record import build_record
    from charting.reports.rendering import html_to_pdf, render_html
    from clinic.models import Patient

    html_to_pdf("<p>warm-up</p>")  # fonts and WeasyPrint's own stylesheet, once per process
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        context = build_record(patient=Patient.objects.get(pk=patient_id), audit_trail=True)
        pdf = html_to_pdf(render_html(template="pdf/record.html", context=context))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "pages": pdf.pages,
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "base_rss_mb": base_mb,
        "bytes": len(pdf.content),
    }


def render_in_child(patient_id: int, reps: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.bench.record",
            "--render",
            str(patient_id),
            "--reps",
            str(reps),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench.record: rendering failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.record")
    parser.add_argument("--smoke", action="store_true", help="the 3-treatment record, once")
    parser.add_argument("--render", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reps", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:  # the child
        print(json.dumps(render(args.render, args.reps)))
        return 0
    setup_django()
    by = bench_injector()
    reps = 1 if args.smoke else args.reps
    for count in COUNTS[:1] if args.smoke else COUNTS:
        r = render_in_child(make_patient(count=count, by=by), reps)
        print(
            f"complete record, {count} signed treatments (audit trail on), median of {reps}: "
            f"{r['pages']} pages · {r['seconds']:.2f} s wall ({r['cpu_seconds']:.2f} s CPU) · "
            f"{r['seconds'] / r['pages']:.2f} s/page · peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(+{r['peak_rss_mb'] - r['base_rss_mb']:.0f} over the idle process) · "
            f"{r['bytes'] / 1024:.0f} KiB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
