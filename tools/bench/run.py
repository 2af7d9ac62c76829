"""`make bench`: the production stack on 127.0.0.1 under a bounded load.

    python -m tools.bench.run [--smoke] [--patients N] [--seconds S] [--users U]

Starts gunicorn (DJANGO_ENV=production, PostgreSQL from DATABASE_URL, Redis
from REDIS_URL) and a Celery worker, logs in one session per role, measures
every page of ``tools.bench.pages`` with wrk (or the Python fallback), counts the
queries of each page in-process, prints one table and (unless --smoke) writes
it into docs/benchmarks.md. The smoke run uses its own small database
(``<name>_bench_smoke``), made afresh, and takes a few seconds.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, own database")
    parser.add_argument("--patients", type=int, default=int(os.environ.get("N", "2000")))
    parser.add_argument("--seconds", type=float, default=5.0, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all pages")
    parser.add_argument("--max-requests", type=int, default=20000, help="per page")
    parser.add_argument("--users", type=int, default=8, help="concurrent users")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8011")))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    if args.smoke:
        args.patients, args.seconds, args.max_requests, args.users = 30, 1, 200, 2
        args.rounds = 1
        args.workers = 2
    return args


# The bench's seal key (invented data on a throwaway database): the same for the
# generator (development settings) and the servers (production), run after run.
BENCH_SIGNATURE_KEYS = "bench:bench-signature-key-for-invented-data-only-0123456789"


def production_env(database_url: str) -> dict[str, str]:
    static_root = Path(tempfile.gettempdir()) / "clinic-bench-static"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tools.bench.settings",
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        "SIGNATURE_KEYS": BENCH_SIGNATURE_KEYS,
        "AUDIT_ANCHOR_KEY": "bench-audit-anchor-key-for-invented-data-only-0123",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "0",  # the bench's clients reach gunicorn directly
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }


def smoke_database(url: str) -> str:
    """A fresh small database next to DATABASE_URL's, for the smoke run."""
    base, _, name = url.rpartition("/")
    smoke = f"{name or 'clinic'}_bench_smoke"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{smoke}"')
        conn.execute(f'CREATE DATABASE "{smoke}"')
    return f"{base}/{smoke}"


def manage(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(args) -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not os.environ.get("REDIS_URL"):
        sys.exit("make bench needs Redis and a Celery worker: set REDIS_URL=redis://...")
    if args.smoke:
        url = smoke_database(url)
    dev = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "tools.bench.settings",
        "SIGNATURE_KEYS": BENCH_SIGNATURE_KEYS,
    }
    manage("migrate", "--no-input", "-v0", env=dev)
    env = production_env(url)
    os.environ.update(env)
    import django

    django.setup()
    from clinic.models import Location

    from .people import LOCATIONS

    if not Location.objects.filter(name__in=LOCATIONS).exists():
        print(f"== make_bench_data --patients {args.patients}", flush=True)
        manage("make_bench_data", "--patients", str(args.patients), env=dev)
    manage("collectstatic", "--no-input", "-v0", env=env)
    return env


def wait_for(port: int, seconds: float = 60) -> None:
    """Until /healthz answers 200 (through the TLS proxy's header, as in production)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    raise SystemExit(f"gunicorn on 127.0.0.1:{port} did not answer /healthz")


def start_servers(args, env) -> list[subprocess.Popen]:
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
            "--workers", str(args.workers), "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [
            str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "WARNING",
            "--concurrency", "1",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(args.port)
    except SystemExit:
        stop([gunicorn, worker])
        raise
    return [gunicorn, worker]


def stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv=None) -> int:
    args = parse_args(argv)
    env = prepare(args)
    from . import measure

    processes = start_servers(args, env)
    try:
        report = measure.run_all(args, web_pid=processes[0].pid)
    finally:
        stop(processes)
    print(report.table())
    if args.smoke:
        report.check_smoke()
    else:
        report.write(Path(args.out))
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
