"""In-process cost of every bench page: CPU milliseconds per request, wall
milliseconds, queries and the page's size, with the production settings.

    python -m tools.bench.cpu [--requests 50] [--page search] [--profile day] [--sql] [--uncached]

Needs the bench data in DATABASE_URL's database (``make_bench_data``; ``make
bench`` makes it too). No server and no load tool: each page is requested
through ``django.test.Client`` as its bench role (with the second factor),
rotating through the page's paths, after one warm pass. CPU time
(``time.process_time``) is this process's Python, template and database-driver
time; the database's own CPU is the ``DB CPU ms`` column (its backend's figures
in /proc, 10 ms ticks: ask for 100 requests or more). On a shared
machine CPU time is the steadier figure: compare each page to the home page,
the minimal authenticated view (the ``x home`` column).

``--page`` keeps the pages whose name contains the text; ``--path /day/?day=...``
measures any page as ``--role`` (desk, injector, admin); ``--profile`` prints
cProfile's top functions for the pages whose name contains it; ``--sql`` prints
each page's queries (one request) with their time on the database.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import subprocess
import sys
import time
from dataclasses import dataclass

from . import procs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Cost:
    name: str
    role: str
    cpu_ms: float
    cpu_median_ms: float
    wall_ms: float
    queries: int
    kilobytes: float
    db_ms: float = 0.0  # the database backend's CPU per request (its /proc figures)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.bench.cpu")
    parser.add_argument("--requests", type=int, default=50, help="per page (after a warm pass)")
    parser.add_argument("--page", default="", help="only pages whose name contains this")
    parser.add_argument("--profile", default="", help="cProfile pages whose name contains this")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    parser.add_argument("--dump", default="", help="--profile's stats also to this file (pstats)")
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument("--seed", type=int, default=11, help="picks the paths (as make bench)")
    parser.add_argument(
        "--path", action="append", default=[], help="measure this path too (repeatable)"
    )
    parser.add_argument("--role", default="desk", help="who asks for --path: desk, injector, admin")
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="every read a first read: the kept signed parts and next-cycle doses off",
    )
    return parser.parse_args(argv)


def setup() -> None:
    """The production settings of ``make bench`` (DEBUG off, cached templates,
    hashed static files), with the static manifest collected once."""
    from .run import production_env

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench.cpu needs the bench data on PostgreSQL: set DATABASE_URL=postgres://...")
    env = production_env(url)
    env["SECRET_KEY"] = "bench-cpu-" + "x" * 60  # a throwaway key: sessions live in this run
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ.update(env)
    import django

    django.setup()


def uncached() -> None:
    """What cannot change is rendered once (issue 22): swap those caches for Django's
    dummy one, so every read takes the path of a first read (the key made, the
    result rendered or computed, the write refused)."""
    from django.core.cache.backends.dummy import DummyCache

    from charting import rendered_once
    from charting.reviews import starting_doses

    rendered_once.cache = starting_doses.cache = DummyCache("bench-uncached", {})


def client_for(user):
    from django.test import Client

    from . import pages

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    store = client.session
    pages.second_factor(user, store)  # production settings require the second factor
    store.save()
    return client


def get(client, path: str):
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return response


def measure(page, client, requests: int) -> Cost:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paths = [page.paths[n % len(page.paths)] for n in range(requests)]
    size = 0
    for path in page.paths:  # warm: caches of reference data, templates, connections
        size = max(size, len(get(client, path).content))
    queries = 0
    for path in page.paths[:3]:
        with CaptureQueriesContext(connection) as captured:
            get(client, path)
        queries = max(queries, len(captured))
    backend = _backend_pid()
    db_before = procs.cpu_seconds([backend])
    cpu_each, wall = [], time.perf_counter()
    for path in paths:
        started = time.process_time()
        get(client, path)
        cpu_each.append(time.process_time() - started)
    wall = time.perf_counter() - wall
    db_ms = (procs.cpu_seconds([backend]) - db_before) * 1000 / requests
    if _backend_pid() != backend:  # reconnected meanwhile: the figure is not whole
        db_ms = float("nan")
    cpu_each.sort()
    return Cost(
        name=page.name,
        role=page.role,
        cpu_ms=sum(cpu_each) * 1000 / requests,
        cpu_median_ms=cpu_each[len(cpu_each) // 2] * 1000,
        wall_ms=wall * 1000 / requests,
        queries=queries,
        kilobytes=size / 1024,
        db_ms=db_ms,
    )


def _backend_pid() -> int:
    """This process's database backend (PostgreSQL's server process for it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def profile(page, client, requests: int, top: int, dump: str = "") -> None:
    paths = [page.paths[n % len(page.paths)] for n in range(requests)]
    profiler = cProfile.Profile(time.process_time)  # CPU time, as measured
    profiler.enable()
    for path in paths:
        get(client, path)
    profiler.disable()
    print(f"\n== cProfile (CPU time): {page.name}, {requests} requests (cumulative, then own)")
    if dump:
        profiler.dump_stats(dump)
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def show_sql(page, client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, page.paths[0])
    print(
        f"\n== queries: {page.name} ({page.paths[0]}); round trip as the page ran it, "
        "then the server's planning + execution time (EXPLAIN ANALYZE, median of 5; "
        "reads only)"
    )
    total = 0.0
    for n, query in enumerate(captured.captured_queries, 1):
        server = server_ms(query["sql"])
        total += server or 0.0
        shown = f"{server:7.3f}" if server is not None else "      -"
        print(f"{n:3d}. {float(query['time']) * 1000:7.2f} ms {shown} ms  {query['sql'][:400]}")
    print(f"     server time of the reads: {total:.2f} ms")


def server_ms(sql: str) -> float | None:
    """Planning + execution time of a read on the server, median of 5 (None: a write,
    a function call, or a statement EXPLAIN does not take)."""
    import json
    import statistics

    from django.db import DatabaseError, connection, transaction

    if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "audit_append" in sql:
        return None
    times = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for _ in range(5):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
            transaction.set_rollback(True)
    except DatabaseError:
        return None
    return statistics.median(times)


def table(costs: list[Cost]) -> str:
    home = next((c.cpu_ms for c in costs if "home" in c.name), 0.0)
    head = ["page", "role", "CPU ms", "median", "x home", "DB CPU ms", "wall ms", "queries", "KB"]
    lines = [head]
    for c in costs:
        lines.append([
            c.name, c.role, f"{c.cpu_ms:.1f}", f"{c.cpu_median_ms:.1f}",
            f"{c.cpu_ms / home:.1f}" if home else "-", f"{c.db_ms:.1f}",
            f"{c.wall_ms:.1f}", str(c.queries), f"{c.kilobytes:.0f}",
        ])  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def main(argv=None) -> int:
    args = parse_args(argv)
    setup()
    if args.uncached:
        uncached()
    from . import pages

    built = [p for p in pages.build(random.Random(args.seed)) if p.paths]
    if args.page or args.path:  # the home page stays: it is the yardstick
        built = [
            p for p in built if p.baseline or (args.page and args.page.lower() in p.name.lower())
        ]
    built += [pages.Page(path, args.role, [path]) for path in args.path]
    clients = {}
    costs = []
    load_before = os.getloadavg()
    for page in built:
        if page.role not in clients:
            clients[page.role] = client_for(pages.bench_user(page.role))
        client = clients[page.role]
        costs.append(measure(page, client, args.requests))
        print(f"  {page.name}: {costs[-1].cpu_ms:.1f} ms CPU", file=sys.stderr, flush=True)
        if args.sql:
            show_sql(page, client)
        if args.profile and args.profile.lower() in page.name.lower():
            profile(page, client, args.requests, args.top, args.dump)
    print(table(costs))
    print(
        "load average before {:.1f} {:.1f} {:.1f}, after {:.1f} {:.1f} {:.1f}; "
        "{} requests a page".format(*load_before, *os.getloadavg(), args.requests)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
