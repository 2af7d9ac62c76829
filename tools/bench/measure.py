"""Measure every bench page on the running server and build the report."""

from __future__ import annotations

import datetime
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from . import load, pages, procs

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Row:
    page: pages.Page
    result: load.Result
    queries: int
    ratio: float = 0.0
    web_ms: float = 0.0  # gunicorn's CPU per request (master and workers)
    db_ms: float = 0.0  # PostgreSQL's CPU per request (the bench database's backends)


@dataclass
class Report:
    args: object
    rows: list[Row] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)  # (what, figure)
    machine: dict[str, str] = field(default_factory=dict)
    data: dict[str, int] = field(default_factory=dict)

    def table(self) -> str:
        head = [
            "page", "role", "req/s", "ratio", "p50 ms", "p95 ms", "p99 ms", "web CPU ms",
            "DB CPU ms", "queries", "errors",
        ]  # fmt: skip
        lines = [head]
        for r in self.rows:
            lines.append([
                r.page.name, r.page.role, f"{r.result.rps:.1f}", f"{r.ratio:.0%}",
                f"{r.result.p50:.1f}", f"{r.result.p95:.1f}", f"{r.result.p99:.1f}",
                f"{r.web_ms:.1f}", f"{r.db_ms:.1f}", str(r.queries), str(r.result.errors),
            ])  # fmt: skip
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        text = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
        text.insert(1, "  ".join("-" * w for w in widths))
        for what, figure in self.extra:
            text.append(f"{what}: {figure}")
        return "\n".join(text)

    def markdown(self) -> str:
        out = [
            f"Run: {self.machine['date']} · `{self.machine['command']}`",
            "",
            f"Machine: {self.machine['cpu']}, {self.machine['cores']} cores, "
            f"{self.machine['memory']}, {self.machine['os']}, {self.machine['postgres']}; "
            f"load average before the run {self.machine['load_before']}, after "
            f"{self.machine['load_after']}.",
            "",
            "Data: " + ", ".join(f"{v:,} {k}" for k, v in self.data.items()) + ".",
            "",
            f"Load: {self.args.users} concurrent users, {self.args.rounds} rounds of "
            f"{self.args.seconds:g} s or {self.args.max_requests} requests per page "
            "(whichever first; req/s over all rounds, latencies and ratio the median of "
            "the rounds), "
            f"gunicorn with {self.args.workers} sync workers, tool: "
            f"{self.rows[0].result.tool if self.rows else '-'}.",
            "",
            "Web and DB CPU: milliseconds of CPU per request under that load, of gunicorn "
            "(master and workers) and of PostgreSQL (the bench database's backends and the "
            "server's own processes), read "
            "from /proc around each page's runs (`tools/bench/procs.py`).",
            "",
            "| page | role | req/s | ratio to minimal | p50 ms | p95 ms | p99 ms "
            "| web CPU ms | DB CPU ms | queries | errors |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in self.rows:
            out.append(
                f"| {r.page.name} | {r.page.role} | {r.result.rps:.1f} | {r.ratio:.0%} | "
                f"{r.result.p50:.1f} | {r.result.p95:.1f} | {r.result.p99:.1f} | "
                f"{r.web_ms:.1f} | {r.db_ms:.1f} | {r.queries} | {r.result.errors} |"
            )
        if self.extra:
            out += ["", "| measure | figure |", "| --- | --- |"]
            out += [f"| {what} | {figure} |" for what, figure in self.extra]
        return "\n".join(out)

    def write(self, path: Path) -> None:
        block = f"{START}\n{self.markdown()}\n{END}"
        text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        path.write_text(before + block + after)

    def check_smoke(self) -> None:
        broken = [r.page.name for r in self.rows if r.result.errors or not r.result.requests]
        if broken:
            raise SystemExit(f"bench smoke: errors on {', '.join(broken)}")


def machine_info(args) -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except OSError:
        memory = "unknown RAM"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    command = "make bench" + (f" N={args.patients}" if not args.smoke else " SMOKE=1")
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "postgres": postgres,
        "command": command,
        "load_before": "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()),
    }


def data_size() -> dict[str, int]:
    from django.apps import apps

    wanted = [
        ("patients", "clinic.Patient"), ("appointments", "clinic.Appointment"),
        ("visits", "planning.Visit"), ("movement maps", "planning.MovementMap"),
        ("observations", "planning.Observation"), ("photos", "planning.Photo"),
        ("due reviews", "charting.DueReview"), ("plans", "planning.TreatmentPlan"),
        ("injection points", "planning.InjectionPoint"), ("treatments", "charting.Treatment"),
        ("injections", "charting.Injection"), ("reviews", "reviews.Review"),
        ("findings", "reviews.Finding"), ("audit events", "audit.AuditEvent"),
    ]  # fmt: skip
    sizes = {}
    for label, name in wanted:
        try:
            model = apps.get_model(name)
        except LookupError:
            continue
        sizes[label] = model.objects.count()
    return sizes


def count_queries(page: pages.Page, user) -> int:
    # Production settings require the second factor: the session is verified too.
    client = pages.client_for(user)
    most = 0
    for path in page.paths[:3]:
        client.get(path, secure=True)  # warm (caches of reference data)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} for {page.role}")
        most = max(most, len(queries))
    return most


def _cpu(web_pid: int) -> tuple[dict[int, int], dict[int, int]]:
    """(gunicorn's, PostgreSQL's) CPU ticks so far, by process."""
    database = connection.settings_dict["NAME"]
    return (
        procs.cpu_ticks([web_pid, *procs.children(web_pid)]),
        procs.postgres_cpu_ticks(database),
    )


def run_all(args, *, web_pid: int) -> Report:
    """Each round loads every page once, the minimal view first; a page's ratio is
    the median over rounds of its throughput over that round's minimal view, so a
    burst of load from elsewhere on a shared machine skews one round, not the figure."""
    report = Report(args=args, machine=machine_info(args), data=data_size())
    rng = random.Random(11)
    cookie_name = settings.SESSION_COOKIE_NAME
    cookies, users, queries = {}, {}, {}
    built = pages.build(rng)
    for page in built:
        if page.role not in users:
            users[page.role] = pages.bench_user(page.role)
            cookies[page.role] = pages.session_cookie(users[page.role], cookie_name)
        queries[page.name] = count_queries(page, users[page.role])
        warm = {"port": args.port, "paths": page.paths, "cookie": cookies[page.role]}
        load.run(**warm, users=args.users, seconds=min(1, args.seconds), max_requests=50)
    rounds: dict[str, list[load.Result]] = {page.name: [] for page in built}
    ratios: dict[str, list[float]] = {page.name: [] for page in built}
    spent: dict[str, list[float]] = {page.name: [0.0, 0.0] for page in built}  # web, db
    for n in range(args.rounds):
        baseline_rps = 0.0
        for page in built:
            web_before, db_before = _cpu(web_pid)
            result = load.run(
                port=args.port,
                paths=page.paths,
                cookie=cookies[page.role],
                users=args.users,
                seconds=args.seconds,
                max_requests=args.max_requests,
            )
            web_after, db_after = _cpu(web_pid)
            spent[page.name][0] += procs.spent_between(web_before, web_after)
            spent[page.name][1] += procs.spent_between(db_before, db_after)
            if page.baseline:
                baseline_rps = result.rps
            rounds[page.name].append(result)
            ratios[page.name].append(result.rps / baseline_rps if baseline_rps else 0.0)
            print(
                f"  round {n + 1}: {page.name}: {result.rps:.1f} req/s, p95 {result.p95:.1f} ms",
                flush=True,
            )
    for page in built:
        result = load.combine(rounds[page.name])
        per_request = 1000 / max(1, result.requests)
        report.rows.append(
            Row(
                page=page,
                result=result,
                queries=queries[page.name],
                ratio=statistics.median(ratios[page.name]),
                web_ms=spent[page.name][0] * per_request,
                db_ms=spent[page.name][1] * per_request,
            )
        )
    report.extra.extend(worker_figures(args))
    report.machine["load_after"] = "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())
    return report


def worker_figures(args) -> list[tuple[str, str]]:
    """Celery round trip through Redis and the real worker (the floor of
    click-to-download), then the PDF figures (``tools.bench.pdf``) and the photo
    measurement's (``tools.bench.face``)."""
    from clinic.tasks import send_appointment_reminder

    figures = []
    times = []
    for _ in range(3 if args.smoke else 10):
        began = time.perf_counter()
        send_appointment_reminder.delay(0).get(timeout=30)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    figures.append(
        (f"Celery round trip, median of {len(times)} (ms)", f"{times[len(times) // 2]:.1f}")
    )
    from . import face, pdf

    figures.extend(pdf.figures(args))
    figures.extend(face.figures(args))  # the photo measurement, in a process of its own
    return figures
