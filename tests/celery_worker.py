"""A real Celery worker for the tests that need one (a pytest plugin, loaded once
by tests/conftest.py so every directory shares the same session worker: two
session workers on one queue would take each other's jobs).

The session starts ``celery -A config worker`` as a subprocess against the test
database (the worker sees committed data only, so those tests use
``django_db(transaction=True)``) and the Redis of ``REDIS_URL``, on a queue of
its own. Only the tests that ask for ``real_worker`` leave eager mode; the rest
of the suite keeps running tasks in-process. Needs PostgreSQL and Redis: skipped
without them on a developer's machine, a failure under CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60


class Worker:
    """One ``celery worker`` process (prefork, one child) in its own process group."""

    def __init__(self, *, env: dict, queue: str, log_dir: Path, extra_env: dict | None = None):
        self.name = f"reports-test-{uuid.uuid4().hex[:6]}@%h"
        self.log = log_dir / f"{self.name.split('@')[0]}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            self.name,
        ]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, **(extra_env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill it with its children
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"celery worker not ready in {READY_TIMEOUT}s:\n{self.log.read_text()}")

    def children(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once (no clean shutdown)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="session")
def worker_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """What every test worker shares: environment, queue, private folder, logs."""
    need(bool(settings.REDIS_URL), "REDIS_URL is not set: the worker tests need Redis")
    need(
        settings.DATABASE_IS_POSTGRES and bool(os.environ.get("DATABASE_URL")),
        "the worker tests need PostgreSQL (DATABASE_URL): a worker cannot share SQLite's test db",
    )
    base = tmp_path_factory.mktemp("worker")
    queue = f"reports-test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PRIVATE_ROOT": str(base / "private"),
        "MEDIA_ROOT": str(base / "media"),
        "DB_CONN_MAX_AGE": "0",  # no idle connection may hold up the test database's flush
        "PYTHONUNBUFFERED": "1",
    }
    return {"env": env, "queue": queue, "private": base / "private", "logs": base}


@pytest.fixture(scope="session")
def celery_worker(worker_setup):
    worker = Worker(
        env=worker_setup["env"], queue=worker_setup["queue"], log_dir=worker_setup["logs"]
    )
    yield worker
    worker.stop()


def _route_reports_to(queue: str | None) -> None:
    from config.celery import app

    # The reports' tasks and the photo measurement (planning.tasks.measure_photo).
    routes = {"reports.tasks.*": {"queue": queue}, "planning.tasks.measure_photo": {"queue": queue}}
    app.conf.task_routes = routes if queue else None
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()


@pytest.fixture
def worker_queue(worker_setup, settings):
    """Leave eager mode and send tasks to the test workers' queue, for this test only.

    Yields a function that routes the reports' tasks to another queue (a test
    that starts workers of its own keeps them apart from the session's worker).
    """
    from config.celery import app

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": worker_setup["private"], "base_url": None},
        },
    }
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _route_reports_to(worker_setup["queue"])
    yield _route_reports_to
    app.conf.task_always_eager = saved
    _route_reports_to(None)


@pytest.fixture
def real_worker(celery_worker, worker_queue):
    assert celery_worker.alive, "the session's celery worker died"
    return celery_worker
