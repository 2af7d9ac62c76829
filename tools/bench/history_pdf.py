"""The history PDF of 40 signed treatments, laid out whole (before issue 22's kept
parts) and from kept parts (charting.reports.history_pages): first render (no part
kept yet), kept render (every signed treatment's part in storage), and, with a
worker running, click-to-download of the first render, the kept render and the
render after the pre-render (``charting.prerender``: parts laid out by the worker
when a treatment is signed; the time it took is printed beside, nobody waits for it).

    python -m tools.bench.history_pdf [--reps 3] [--modes whole,first,kept] [--click]

The subject is ``tools.bench.pdf``'s (a bench patient with 40 signed treatments,
else the invented ``BENCH-40``). Each figure comes from a fresh child process:
wall and CPU seconds (median of the repetitions) and the child's peak resident
memory (``ru_maxrss``) beside what it held before rendering. "first" deletes the
patient's kept parts before each repetition, so every repetition lays them out.
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
    TREATMENTS,
    click_to_download,
    forget_history_parts,
    prerendered_click,
    setup_django,
    subjects,
)

MODES = ("whole", "first", "kept")


def render(mode: str, patient_id: int, reps: int) -> dict:
    """Render the history ``reps`` times in this process, as ``mode`` says."""
    setup_django()
    from charting.reports.history_pages import history_pdf
    from charting.reports.patient_history import build_history
    from charting.reports.rendering import html_to_pdf, render_pdf
    from clinic.models import Patient

    html_to_pdf("<p>warm-up</p>")  # fonts and WeasyPrint's own stylesheet, once per process
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    walls, cpus = [], []
    for _ in range(reps):
        if mode == "first":
            forget_history_parts(patient_id)
        wall, cpu = time.perf_counter(), time.process_time()
        context = build_history(patient=Patient.objects.get(pk=patient_id))
        if mode == "whole":
            pdf = render_pdf(template="pdf/history.html", context=context)
        else:
            pdf = history_pdf(context=context)
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


def in_child(mode: str, patient_id: int, reps: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tools.bench.history_pdf", "--render", mode, str(patient_id)]
        + ["--reps", str(reps)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench.history_pdf: {mode} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.history_pdf")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--modes", default=",".join(MODES), help="of whole, first, kept (comma-separated)"
    )
    parser.add_argument("--click", action="store_true", help="also click-to-download (worker)")
    parser.add_argument(
        "--clicks", default="first,kept,ahead", help="of first, kept, ahead (with --click)"
    )
    parser.add_argument("--render", nargs=2, metavar=("MODE", "PATIENT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.render:
        print(json.dumps(render(args.render[0], int(args.render[1]), args.reps)))
        return 0
    setup_django()
    subject = subjects(TREATMENTS)
    print(f"history of {subject['treatments']} signed treatments, median of {args.reps}")
    print("mode  | pages | wall s | CPU s | s/page | peak RSS MB (+ over idle)")
    for mode in [m for m in args.modes.split(",") if m in MODES]:
        r = in_child(mode, subject["patient"], args.reps)
        print(
            f"{mode:5} | {r['pages']:5} | {r['seconds']:6.2f} | {r['cpu_seconds']:5.2f} | "
            f"{r['seconds'] / r['pages']:6.3f} | {r['peak_rss_mb']:.0f} "
            f"(+{r['peak_rss_mb'] - r['base_rss_mb']:.0f})",
            flush=True,
        )
    if args.click:
        from .pages import client_for

        client = client_for(subject["user"])
        url = f"/reports/patients/{subject['patient']}/history/"
        click_to_download(client, url=f"/reports/treatments/{subject['treatment']}/map/")
        clicks = args.clicks.split(",")
        firsts = []
        for _ in range(args.reps if "first" in clicks else 0):
            forget_history_parts(subject["patient"])
            firsts.append(click_to_download(client, url=url))
        kept = [
            click_to_download(client, url=url) for _ in range(args.reps if "kept" in clicks else 0)
        ]
        ahead = [
            prerendered_click(
                client,
                url=url,
                patient_id=subject["patient"],
                document="history",
                forget=forget_history_parts,
            )
            for _ in range(args.reps if "ahead" in clicks else 0)
        ]
        for label, times in (
            ("first render", firsts),
            ("kept parts", kept),
            ("after the pre-render", [click for _, click in ahead]),
            ("(the pre-render itself, in the worker)", [laid for laid, _ in ahead]),
        ):
            if not times:
                continue
            median = statistics.median(times)
            each = ", ".join(f"{t:.2f}" for t in times)
            print(f"click-to-download through the worker, {label}: {median:.2f} s ({each})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
