"""Figures of the complete record (issue 23): pages, seconds and peak memory of the
complete medico-legal record of a 3-treatment and of a 40-treatment patient.

    python -m tools.bench.record [--smoke] [--reps 3] [--modes whole,first,kept] [--click]
    (--smoke: the 3-treatment patient, once; --click: also click-to-download of the
    40-treatment record through a running worker: first render, kept parts, and after
    the pre-render of ``charting.prerender``, with the time the worker took for it)

The subjects are the invented bench patients of ``tools.bench.pdf`` (``BENCH-3`` and
``BENCH-40``: one signed treatment every 100 days with its consent, plan and eight
injections; made once, then kept). Each record is rendered (``build_record`` with the
audit trail, then the PDF) in a fresh child process so that the peak resident memory
is the render's own; seconds are wall and CPU, the median of the repetitions.

Modes: "whole" is the record laid out as one WeasyPrint document (before the kept
parts); "first" deletes the patient's kept record parts before each repetition, so
every signed cycle is laid out and kept; "kept" reads them from storage (the job's
path, ``reports.documents.render_record``, ``history_pages.kept_pdf``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from .pdf import (
    ROOT,
    bench_injector,
    click_to_download,
    make_patient,
    prerendered_click,
    setup_django,
)

COUNTS = (3, 40)
MODES = ("whole", "first", "kept")


def _forget_parts(patient_id: int) -> None:
    from charting.reports.history_pages import RECORD, private_storage
    from charting.reports.models import HistoryPart

    rows = HistoryPart.objects.filter(treatment__visit__patient_id=patient_id, document=RECORD.name)
    for row in rows:
        private_storage().delete(row.name)
        row.delete()


def render(patient_id: int, reps: int, mode: str = "whole") -> dict:
    """Render the patient's complete record ``reps`` times in this process."""
    setup_django()
    from charting.reports.history_pages import RECORD, kept_pdf
    from charting.reports.record import build_record
    from charting.reports.rendering import html_to_pdf, render_html
    from clinic.models import Patient

    html_to_pdf("<p>warm-up</p>")  # fonts and WeasyPrint's own stylesheet, once per process
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, cpus = [], []
    for _ in range(reps):
        if mode == "first":
            _forget_parts(patient_id)
        wall, cpu = time.perf_counter(), time.process_time()
        context = build_record(patient=Patient.objects.get(pk=patient_id), audit_trail=True)
        if mode == "whole":
            pdf = html_to_pdf(render_html(template="pdf/record.html", context=context))
        else:
            pdf = kept_pdf(context=context, document=RECORD)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "mode": mode,
        "pages": pdf.pages,
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "base_rss_mb": base_mb,
        "bytes": len(pdf.content),
    }


def render_in_child(patient_id: int, reps: int, mode: str = "whole") -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.bench.record",
            "--render",
            str(patient_id),
            "--reps",
            str(reps),
            "--mode",
            mode,
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
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure")
    parser.add_argument(
        "--modes", default=",".join(MODES), help="of whole, first, kept (comma-separated)"
    )
    parser.add_argument("--mode", default="whole", help=argparse.SUPPRESS)
    parser.add_argument("--click", action="store_true", help="also click-to-download (worker)")
    parser.add_argument(
        "--clicks", default="first,kept,ahead", help="of first, kept, ahead (with --click)"
    )
    args = parser.parse_args(argv)
    if args.render:  # the child
        print(json.dumps(render(args.render, args.reps, args.mode)))
        return 0
    setup_django()
    by = bench_injector()
    reps = 1 if args.smoke else args.reps
    modes = [m for m in args.modes.split(",") if m in MODES]
    for count in COUNTS[:1] if args.smoke else COUNTS:
        patient = make_patient(count=count, by=by)
        for mode in modes:
            r = render_in_child(patient, reps, mode)
            print(
                f"complete record, {count} signed treatments (audit trail on), {mode}, "
                f"median of {reps}: {r['pages']} pages · {r['seconds']:.2f} s wall "
                f"({r['cpu_seconds']:.2f} s CPU) · {r['seconds'] / r['pages']:.2f} s/page · "
                f"peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(+{r['peak_rss_mb'] - r['base_rss_mb']:.0f} over the idle process) · "
                f"{r['bytes'] / 1024:.0f} KiB",
                flush=True,
            )
        if args.click and not args.smoke and count == COUNTS[-1]:
            click(patient, by, reps, args.clicks.split(","))
    return 0


def click(patient_id: int, by, reps: int, clicks=("first", "kept", "ahead")) -> None:
    """Click-to-download of the complete record (audit trail on) through the worker:
    the record page's POST, the job done, the file downloaded."""
    from .pages import client_for

    client = client_for(by)
    url = f"/reports/patients/{patient_id}/record/"
    data = {"kind": "record", "audit_trail": "on"}
    firsts = []
    for _ in range(reps if "first" in clicks else 0):
        _forget_parts(patient_id)
        firsts.append(click_to_download(client, url=url, data=data))
    kept = [
        click_to_download(client, url=url, data=data)
        for _ in range(reps if "kept" in clicks else 0)
    ]
    ahead = [
        prerendered_click(
            client,
            url=url,
            data=data,
            patient_id=patient_id,
            document="record",
            forget=_forget_parts,
        )
        for _ in range(reps if "ahead" in clicks else 0)
    ]
    for label, times in (
        ("first render", firsts),
        ("kept parts", kept),
        ("after the pre-render", [click for _, click in ahead]),
        ("(the pre-render itself, in the worker)", [laid for laid, _ in ahead]),
    ):
        if not times:
            continue
        print(
            f"click-to-download of the complete record through the worker, {label}, "
            f"median of {reps}: {statistics.median(times):.2f} s "
            f"({', '.join(f'{t:.2f}' for t in times)})",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
