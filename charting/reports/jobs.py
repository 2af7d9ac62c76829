"""Running a report job: claim it, render it, store the file, record the outcome.

Safe to run twice: a job that is done (or failed) is left alone; a job found
running is taken over (its previous worker died: Celery redelivers a task only
when its worker is lost), and only the attempt holding the job may finish it.
Every save names its fields (``update_fields``) so a progress write never
overwrites a status written by someone else.

A running attempt writes a heartbeat on its job (``heartbeat_at``) every
``REPORT_HEARTBEAT_SECONDS`` from a thread beside the render, so a long step
(WeasyPrint's layout) still beats. The sweep takes a running job whose heartbeat
is older than ``REPORT_HEARTBEAT_STALE_SECONDS`` for lost (its worker died: no
need to wait for the broker's visibility timeout), queues it again and notes when
(``worker_lost_at``, which the job page shows).
"""

from __future__ import annotations

import datetime
import logging
import threading
import uuid
from contextlib import contextmanager

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from .documents import RENDERERS
from .errors import ReportRefused
from .models import ReportJob, Status
from .storage import private_storage

logger = logging.getLogger(__name__)

RENDER_FAILED = "The report could not be rendered. Retry it; if it fails again, tell the admin."
STUCK = "The report stopped before it finished (its worker was lost). Retry it."
LOST_TOO_OFTEN = (
    "The report's worker stopped before it finished, again and again. Retry it; if it "
    "stops again, tell the admin."
)
SWEEP_GRACE_SECONDS = 60
# A job lost this many times is failed instead of queued again (a report that kills
# its worker, or outlives the hard time limit, must not loop).
MAX_ATTEMPTS = 3
# Passing faults (the database went away, a connection dropped): the task retries these.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def _claim(job_id: int) -> tuple[ReportJob, str] | None:
    with transaction.atomic():
        job = (
            ReportJob.objects.select_for_update(of=("self",))
            .select_related("patient", "visit")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (Status.DONE, Status.FAILED):
            return None
        job.run_token = uuid.uuid4().hex
        job.status = Status.RUNNING
        job.attempts += 1
        job.progress = 5
        job.items_done = 0
        job.started_at = job.heartbeat_at = timezone.now()
        job.error = ""
        job.save(
            update_fields=[
                "run_token",
                "status",
                "attempts",
                "progress",
                "items_done",
                "started_at",
                "heartbeat_at",
                "error",
            ]
        )
        return job, job.run_token


def _holding(job_id: int, token: str):
    return ReportJob.objects.filter(pk=job_id, run_token=token, status=Status.RUNNING)


def run_job(*, job_id: int) -> str:
    """Render the job's report. Returns "done", "failed" or "skipped"."""
    claimed = _claim(job_id)
    if claimed is None:
        return "skipped"
    job, token = claimed
    logger.info("report job %s (%s) attempt %s started", job.pk, job.kind, job.attempts)

    def progress(percent: int) -> None:
        _holding(job.pk, token).update(
            progress=max(5, min(95, percent)), heartbeat_at=timezone.now()
        )

    def count(done: int, total: int) -> None:
        _holding(job.pk, token).update(
            items_done=done,
            items_total=total,
            progress=5 + (90 * done // max(total, 1)),
            heartbeat_at=timezone.now(),
        )

    try:
        with heartbeat(job_id=job.pk, token=token):
            output = RENDERERS[job.kind](job, progress, count)
    except ReportRefused as exc:
        return fail(job_id=job.pk, message=" ".join(exc.messages), token=token)
    except TRANSIENT_ERRORS:
        raise
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        # A bug or bad data, not a passing fault: retrying will not help. The log
        # carries the job id and the error's type only, never patient text.
        logger.error("report job %s failed: %s", job.pk, type(exc).__name__)
        return fail(job_id=job.pk, message=RENDER_FAILED, token=token)
    return _store(job=job, token=token, output=output)


@contextmanager
def heartbeat(*, job_id: int, token: str):
    """While the block runs, a thread writes ``heartbeat_at`` on the job every
    ``REPORT_HEARTBEAT_SECONDS`` (as long as this attempt holds it). It dies with
    the worker's process, which is the point: a silent job is a lost one."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    _holding(job_id, token).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # a passing fault: the next beat tries again
                    logger.warning(
                        "report job %s: heartbeat not written (%s)", job_id, type(exc).__name__
                    )
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"report-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # A beat stuck on a hung database must not hold the task: the thread is a daemon.
        thread.join(timeout=10)


def _store(*, job: ReportJob, token: str, output) -> str:
    storage = private_storage()
    now = timezone.now()
    name = storage.save(
        f"reports/{now:%Y/%m}/{job.kind}-{job.pk}-{token[:8]}.{output.extension}",
        ContentFile(output.content),
    )
    with transaction.atomic():
        held = _holding(job.pk, token).select_for_update().first()
        if held is None:  # another attempt finished (or the sweep failed it) meanwhile
            storage.delete(name)
            return "skipped"
        old = held.file_name
        held.file_name, held.file_size, held.pages = name, len(output.content), output.pages
        held.status, held.progress, held.finished_at = Status.DONE, 100, now
        held.save(
            update_fields=["file_name", "file_size", "pages", "status", "progress", "finished_at"]
        )
    if old:
        storage.delete(old)
    logger.info("report job %s done: %s pages", job.pk, output.pages)
    return "done"


def fail(*, job_id: int, message: str, token: str | None = None) -> str:
    """Record the failure (if the job is still pending, and still ours when a token is given)."""
    jobs = ReportJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.RUNNING])
    if token is not None:
        jobs = jobs.filter(run_token=token)
    jobs.update(status=Status.FAILED, error=message[:300], finished_at=timezone.now())
    return "failed"


def stuck_after() -> datetime.timedelta:
    """A running job older than the hard time limit (plus a grace) has lost its worker."""
    return datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + SWEEP_GRACE_SECONDS)


def sweep_stuck_jobs(*, now: datetime.datetime | None = None) -> int:
    """Mark running jobs whose worker is gone as failed (they can be retried)."""
    now = now or timezone.now()
    stuck = ReportJob.objects.stuck(started_before=now - stuck_after())
    count = stuck.update(status=Status.FAILED, error=STUCK, finished_at=now)
    if count:
        logger.warning("report sweep: %s stuck job(s) marked failed", count)
    return count


def sweep_lost_jobs(*, now: datetime.datetime | None = None) -> list[int]:
    """Running jobs whose heartbeat stopped lost their worker: queue them again
    (``worker_lost_at`` says when), or fail one lost ``MAX_ATTEMPTS`` times. Returns
    the ids to send to the broker again (the caller sends them, after this commits).

    The rows are locked while they are judged: a heartbeat written meanwhile waits,
    then finds the job no longer held by its attempt and changes nothing."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.REPORT_HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        lost = list(
            ReportJob.objects.lost(heartbeat_before=cutoff)
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")
        )
        again = [pk for pk, attempts in lost if attempts < MAX_ATTEMPTS]
        given_up = [pk for pk, attempts in lost if attempts >= MAX_ATTEMPTS]
        ReportJob.objects.filter(pk__in=again).update(
            status=Status.QUEUED,
            run_token="",  # nosec B106 - the attempt's token, not a password: no attempt holds it
            progress=0,
            items_done=0,
            heartbeat_at=None,
            worker_lost_at=now,
            error="",
        )
        ReportJob.objects.filter(pk__in=given_up).update(
            status=Status.FAILED, error=LOST_TOO_OFTEN, finished_at=now, worker_lost_at=now
        )
    if lost:
        logger.warning(
            "report sweep: %s job(s) lost their worker, %s queued again", len(lost), len(again)
        )
    return again
