"""`make bench-scale`: two web instances sharing nothing but PostgreSQL, Redis and
object storage.

    python -m tools.bench.scale [--smoke] [--patients N] [--seconds S] [--workers 1,2]

Each instance is its own gunicorn (its own port, its own PRIVATE_ROOT folder) as on
two machines; one Celery worker with a third folder. Files go to an S3-compatible
bucket (moto's server mode, tools/s3_peer.py, as a protocol peer) when moto is
installed, else to one shared folder (said in the output). It first checks that
the instances work as one site:

- a session signed in on one instance is signed in on the other (and signed out);
- a reference-data change made in the Django admin of one instance reaches the
  per-process cache of every worker of both (planning.reference_cache);
- a report asked for on one instance, rendered by the worker, downloads on the other.

Then it loads one instance, then both, with the same number of users, for each
gunicorn worker count, and prints throughput, p95, the CPU each request cost the
gunicorn processes and how busy the machine's cores were: on a 2-core machine a
second instance adds processes, not cores. Unless --smoke, the table goes into
docs/benchmarks.md between the bench-scale markers.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import re
import secrets
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

from . import load
from .procs import children, cpu_seconds, machine_ticks
from .run import BIN, ROOT, prepare, stop, wait_for

START, END = "<!-- bench-scale:start -->", "<!-- bench-scale:end -->"
HOST = "127.0.0.1"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench-scale")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, own database")
    parser.add_argument("--patients", type=int, default=int(os.environ.get("N", "2000")))
    parser.add_argument("--seconds", type=float, default=8.0, help="per page, round and setup")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=8, help="concurrent users in all")
    parser.add_argument("--workers", default="1,2", help="gunicorn workers per instance")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8021")))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    if args.smoke:
        args.patients, args.seconds, args.rounds, args.users = 30, 3, 1, 2
        args.max_requests, args.workers = 200, [1]
    return args


# --- A browser of sorts: one cookie jar for every port of 127.0.0.1 -------------


class Browser:
    """Cookies are per host, not per port, as in a browser: one jar visits both
    instances the way a tablet behind a load balancer would."""

    def __init__(self, cookie: str = ""):
        self.cookies: dict[str, str] = {}
        if cookie:
            name, _, value = cookie.partition("=")
            self.cookies[name] = value

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {
            "X-Forwarded-Proto": "https",  # as the TLS proxy says it
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if method == "POST":
            headers["Origin"] = f"https://{HOST}:{port}"
            headers["Referer"] = f"https://{HOST}:{port}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form or {}, doseq=True)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""'):
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            return response.status, response.getheader("Location") or "", content
        finally:
            conn.close()

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form: dict | None = None):
        return self.request(port, "POST", path, form)


class FormFields(HTMLParser):
    """The fields of the first ``<form method="post">`` with an ``id_name`` field, as a
    browser would submit them (the Django admin's change form)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


# --- Processes ------------------------------------------------------------------


@dataclass
class Instance:
    port: int
    process: subprocess.Popen

    def pids(self) -> list[int]:
        return [self.process.pid, *children(self.process.pid)]


def start_instance(*, port: int, workers: int, env: dict, folder: Path) -> Instance:
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{port}",
            "--workers", str(workers), "--log-level", "warning",
        ],
        cwd=ROOT, env={**env, "PRIVATE_ROOT": str(folder / "private"),
                       "MEDIA_ROOT": str(folder / "media")},
    )  # fmt: skip
    return Instance(port=port, process=process)


def start_worker(*, env: dict, folder: Path) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "WARNING",
            "--concurrency", "1",
        ],
        cwd=ROOT, stdout=subprocess.DEVNULL,
        env={**env, "PRIVATE_ROOT": str(folder / "private"), "MEDIA_ROOT": str(folder / "media")},
    )  # fmt: skip


# --- The checks across instances ------------------------------------------------


def check_session(a: int, b: int) -> str:
    from .people import BENCH_PASSWORD, email

    browser = Browser()
    browser.get(a, "/login/")  # the CSRF cookie
    status, where, _ = browser.post(
        a, "/login/", {"username": email("desk", 1), "password": BENCH_PASSWORD}
    )
    if status != 302 or "/login/" in where:
        raise SystemExit(f"bench-scale: signing in on :{a} answered {status} {where}")
    status, where, _ = browser.get(b, "/")
    if status != 200:
        raise SystemExit(f"bench-scale: the session made on :{a} is not signed in on :{b}")
    browser.post(b, "/logout/")
    status, where, _ = browser.get(a, "/")
    if status != 302 or "/login/" not in where:
        raise SystemExit(f"bench-scale: signed out on :{b}, still signed in on :{a}")
    return f"signed in on :{a}, the same session served on :{b}; signed out on :{b}, out on :{a}"


def check_reference_cache(a: int, b: int, *, admin_cookie: str, page: str, workers: int) -> str:
    """A muscle renamed in the Django admin of one instance is named anew by every
    worker of both, within seconds (each keeps reference rows up to five minutes).

    First it finds a muscle whose name the page takes from the per-process cache
    alone: renamed in the database without the admin (no signal, no new version),
    every warmed worker must still show the old name. Then the admin renames it."""
    from planning import reference_cache
    from planning.models import Muscle

    reader = Browser(admin_cookie)
    hits = 4 * workers  # per instance: every sync worker answers some

    def pages_showing(name: str) -> list[bool]:
        return [name.encode() in reader.get(port, page)[2] for port in (a, b) for _ in range(hits)]

    def rename_quietly(pk: int, name: str) -> None:
        Muscle.objects.filter(pk=pk).update(name=name)  # no signal: the cache is not told

    muscle, old = None, ""
    for candidate in Muscle.objects.order_by("order", "code")[:20]:
        if not all(pages_showing(candidate.name)):
            continue
        probe = f"Quiet {secrets.token_hex(4)}"
        rename_quietly(candidate.pk, probe)
        stale = not any(pages_showing(probe))
        rename_quietly(candidate.pk, candidate.name)
        if stale:
            muscle, old = candidate, candidate.name
            break
    if muscle is None:
        raise SystemExit(f"bench-scale: {page} shows no muscle name from the reference cache")
    rename_quietly(muscle.pk, f"Quiet {secrets.token_hex(4)}")  # the cache is not told
    new = f"Renamed {secrets.token_hex(4)}"
    admin = Browser(admin_cookie)
    change = f"/admin/planning/muscle/{muscle.pk}/change/"
    try:
        status, _, body = admin.get(a, change)
        if status != 200:
            raise SystemExit(f"bench-scale: the admin's muscle form answered {status} on :{a}")
        parser = FormFields()
        parser.feed(body.decode())
        fields = [(k, new if k == "name" else v) for k, v in parser.fields]
        status, _, _ = admin.post(a, change, dict(_grouped(fields)))
        if status != 302:
            raise SystemExit(f"bench-scale: the admin refused the muscle's new name ({status})")
        seen = pages_showing(new)
        if not all(seen):
            raise SystemExit(
                f"bench-scale: {seen.count(False)} of {len(seen)} pages on :{a} and :{b} "
                f"still showed the old name after the admin renamed a muscle on :{a}"
            )
    finally:
        rename_quietly(muscle.pk, old)
        reference_cache.bump()
    return (
        f"a muscle renamed in the admin on :{a}: the next {len(seen)} pages on :{a} and "
        f":{b} showed the new name (renamed in the database alone, they kept the old one)"
    )


def _grouped(pairs):
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped.items()


def check_report(a: int, b: int, *, injector_cookie: str, peer) -> str:
    from charting.models import Treatment
    from charting.reports.models import ReportJob, Status

    from .people import BENCH_DOMAIN

    treatment = Treatment.objects.signed().filter(signed_by__email__endswith=BENCH_DOMAIN).first()
    if treatment is None:
        raise SystemExit("bench-scale: no signed treatment in the bench data")
    patient_id = treatment.visit.patient_id
    browser = Browser(injector_cookie)
    path = f"/reports/patients/{patient_id}/history/"
    browser.get(a, path)  # the CSRF cookie
    status, where, _ = browser.post(a, path, {"date_from": "", "date_to": ""})
    found = re.search(r"/reports/jobs/(\d+)/", where)
    if status != 302 or not found:
        raise SystemExit(f"bench-scale: asking for a history on :{a} answered {status}")
    job = ReportJob.objects.get(pk=int(found.group(1)))
    deadline = time.monotonic() + 120
    while job.status not in (Status.DONE, Status.FAILED) and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    if job.status != Status.DONE:
        raise SystemExit(f"bench-scale: the report job ended {job.status}")
    status, _, body = browser.get(b, f"/reports/jobs/{job.pk}/download/")
    if status != 200 or not body.startswith(b"%PDF-"):
        raise SystemExit(f"bench-scale: the report made on :{a} did not download on :{b}")
    where_kept = "the bucket"
    if peer is not None:
        if f"private/{job.file_name}" not in peer.keys("private/reports/"):
            raise SystemExit("bench-scale: the report is not in the bucket")
        if peer.anonymous_get(f"private/{job.file_name}") != 403:
            raise SystemExit("bench-scale: the bucket serves the report without a signature")
    else:
        where_kept = "the shared folder"
    return (
        f"history asked for on :{a}, rendered by the worker ({job.pages} pages), "
        f"downloaded on :{b} from {where_kept}"
    )


# --- Load -----------------------------------------------------------------------


@dataclass
class Row:
    setup: str
    page: str
    result: load.Result
    cpu_ms: float  # gunicorn CPU per request
    busy: float  # the machine's cores, busy fraction
    round: int


def load_both(instances: list[Instance], *, paths, cookie, users, seconds, max_requests):
    """The users split evenly over the instances, all at once; one Result."""
    results: list[load.Result | None] = [None] * len(instances)
    errors: list[BaseException] = []

    def one(i: int, instance: Instance):
        try:
            results[i] = load.run(
                port=instance.port,
                paths=paths,
                cookie=cookie,
                users=max(1, users // len(instances)),
                seconds=seconds,
                max_requests=max(1, max_requests // len(instances)),
            )
        except BaseException as exc:  # noqa: BLE001 - raised again below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i, x)) for i, x in enumerate(instances)]
    pids = [pid for x in instances for pid in x.pids()]
    cpu_before, (busy_before, total_before) = cpu_seconds(pids), machine_ticks()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = cpu_seconds(pids) - cpu_before
    busy_after, total_after = machine_ticks()
    if errors:
        raise errors[0]
    done = [r for r in results if r is not None]
    combined = load.Result(
        requests=sum(r.requests for r in done),
        seconds=max(r.seconds for r in done),
        errors=sum(r.errors for r in done),
        p50=max(r.p50 for r in done),
        p95=max(r.p95 for r in done),
        p99=max(r.p99 for r in done),
        tool=done[0].tool,
    )
    busy = (busy_after - busy_before) / max(1, total_after - total_before)
    return combined, 1000 * cpu / max(1, combined.requests), busy


def measured_pages():
    import random

    from . import pages

    built = {p.name: p for p in pages.build(random.Random(11))}
    chosen = [built["minimal authenticated view (home)"]]
    for name in ("signed chart page", "patient page (injector)"):
        if name in built:
            chosen.append(built[name])
            break
    plan = built.get("plan page, 40 points") or built.get("movement-map page")
    return chosen, plan


def cross_checks(instances, cookies, plan_page, workers, peer) -> list[tuple[str, str]]:
    a, b = (x.port for x in instances)
    checks = [
        ("sessions", check_session(a, b)),
        (
            "reference-data cache",
            check_reference_cache(
                a, b, admin_cookie=cookies["admin"], page=plan_page.paths[0], workers=workers
            ),
        ),
        ("report jobs", check_report(a, b, injector_cookie=cookies["injector"], peer=peer)),
    ]
    for what, said in checks:
        print(f"  ok {what}: {said}", flush=True)
    return checks


def main(argv=None) -> int:
    args = parse_args(argv)
    env = prepare(args)
    from django.conf import settings

    from tools import s3_peer

    from . import pages

    base = Path(tempfile.mkdtemp(prefix="clinic-bench-scale-"))
    peer = s3_peer.S3Peer(log=base / "s3.log") if s3_peer.available() else None
    if peer is not None:
        env = {**env, **peer.env()}
        storage = "an S3-compatible bucket (moto's server mode as a protocol peer)"
    else:
        shared = base / "shared"
        env = {**env, "PRIVATE_ROOT": str(shared / "private")}
        storage = "one shared folder (moto is not installed)"
    users = {role: pages.bench_user(role) for role in ("desk", "injector", "admin")}
    cookie_name = settings.SESSION_COOKIE_NAME
    cookies = {role: pages.session_cookie(user, cookie_name) for role, user in users.items()}
    chosen, plan_page = measured_pages()
    load_before = "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())
    worker = start_worker(env=env, folder=base / "worker")
    rows: list[Row] = []
    checks: list[tuple[str, str]] = []
    try:
        for n_workers in args.workers:
            plural = "s" if n_workers > 1 else ""
            # Both instances run throughout; a round loads one, then both, so a change
            # of the machine's other load touches both setups of a round alike.
            instances = [
                start_instance(
                    port=args.port + i, workers=n_workers, env=env, folder=base / f"web-{i}"
                )
                for i in range(2)
            ]
            try:
                for instance in instances:
                    wait_for(instance.port)
                if not checks:
                    checks = cross_checks(instances, cookies, plan_page, n_workers, peer)
                for page in chosen:
                    common = {"paths": page.paths, "cookie": cookies[page.role]}
                    # Warm each worker, leaving no queue behind for the measured run.
                    load_both(instances, **common, users=2, seconds=1, max_requests=4)
                    for n in range(args.rounds):
                        for loaded in (instances[:1], instances):
                            setup = f"{len(loaded)} × {n_workers} worker{plural}"
                            result, cpu_ms, busy = load_both(
                                loaded, **common, users=args.users, seconds=args.seconds,
                                max_requests=args.max_requests,
                            )  # fmt: skip
                            rows.append(Row(setup, page.name, result, cpu_ms, busy, n))
                            print(
                                f"  round {n + 1}, {setup}: {page.name}: {result.rps:.1f} "
                                f"req/s, p95 {result.p95:.1f} ms, {cpu_ms:.1f} ms CPU/request, "
                                f"cores {busy:.0%} busy",
                                flush=True,
                            )
            finally:
                stop([x.process for x in instances])
    finally:
        stop([worker])
        if peer is not None:
            peer.stop()
    table = summary(rows)
    report = markdown(args, table, checks, storage, load_before)
    print(report)
    broken = [r for r in rows if r.result.errors]
    if broken:
        raise SystemExit(f"bench-scale: errors on {', '.join({r.page for r in broken})}")
    if not args.smoke:
        write(Path(args.out), report)
        print(f"written to {args.out}")
    return 0


def summary(rows: list[Row]) -> list[dict]:
    """One line per setup and page: requests over all rounds, the median round's p95."""
    out: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        out.setdefault((row.setup, row.page), []).append(row)
    table = []
    for (setup, page), group in out.items():
        requests = sum(r.result.requests for r in group)
        seconds = sum(r.result.seconds for r in group)
        p95s = sorted(r.result.p95 for r in group)
        table.append({
            "setup": setup, "page": page, "rps": requests / seconds if seconds else 0.0,
            "p95": p95s[len(p95s) // 2],
            "cpu_ms": sum(r.cpu_ms * r.result.requests for r in group) / max(1, requests),
            "busy": sum(r.busy for r in group) / len(group),
            "errors": sum(r.result.errors for r in group),
        })  # fmt: skip
    # "vs 1 instance": the median over rounds of a round's rate over the same round's
    # one-instance rate (measured just before it).
    single = {
        (row.setup.split(" × ")[1], row.page, row.round): row.result.rps
        for row in rows
        if row.setup.startswith("1 ")
    }
    for r in table:
        ratios = sorted(
            row.result.rps / single[key]
            for row in rows
            if (row.setup, row.page) == (r["setup"], r["page"])
            and single.get(key := (row.setup.split(" × ")[1], row.page, row.round))
        )
        r["scale"] = statistics.median(ratios) if ratios else 0.0
    return table


def markdown(args, table, checks, storage, load_before) -> str:
    command = "make bench-scale" + (" SMOKE=1" if args.smoke else f" N={args.patients}")
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"Run: {when} · `{command}` · {os.cpu_count()} cores · load average before "
        f"{load_before}, after " + "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()),
        "",
        f"Two gunicorn instances on two ports, each with its own folder, sharing PostgreSQL, "
        f"Redis and {storage}; one Celery worker; {args.users} users in all, split evenly; "
        f"{args.rounds} rounds of {args.seconds:g} s per setup and page, each round loading "
        "one instance then both (req/s over all rounds; 'vs 1 instance' the median of the "
        "rounds' ratios).",
        "",
        "| across instances | checked |",
        "| --- | --- |",
        *[f"| {what} | {said} |" for what, said in checks],
        "",
        "| setup (instances × workers) | page | req/s | vs 1 instance | p95 ms "
        "| gunicorn CPU ms/request | cores busy | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in table:
        out.append(
            f"| {r['setup']} | {r['page']} | {r['rps']:.1f} | {r['scale']:.2f}× | "
            f"{r['p95']:.1f} | {r['cpu_ms']:.1f} | {r['busy']:.0%} | {r['errors']} |"
        )
    return "\n".join(out)


def write(path: Path, block: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text:
        before, _, rest = text.partition(START)
        _, _, after = rest.partition(END)
        text = f"{before}{START}\n{block}\n{END}{after}"
    else:
        text = f"{text.rstrip()}\n\n{START}\n{block}\n{END}\n"
    path.write_text(text)


if __name__ == "__main__":
    import sys

    sys.exit(main())
