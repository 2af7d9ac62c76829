"""Celery tasks: thin wrappers that take a job id (``reports.jobs`` does the work).

Acks late and rejects on worker loss (settings), so a report whose worker dies
mid-render is delivered again; ``run_job`` is safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from . import jobs

MAX_RETRIES = 4
TRANSIENT_FAILED = "A temporary fault (database or storage) stopped the report. Retry it."
TOO_LONG = "The report took too long to render. Narrow the dates and try again."


# Named as when reports was an app of its own: queued messages and beat's
# schedule keep finding them.
@shared_task(
    name="reports.tasks.render_report",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def render_report(self, job_id: int) -> str:
    try:
        return jobs.run_job(job_id=job_id)
    except jobs.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            return jobs.fail(job_id=job_id, message=TRANSIENT_FAILED)
        # Back-off: 2, 4, 8, 16 s (capped at a minute).
        raise self.retry(exc=exc, countdown=min(2 ** (self.request.retries + 1), 60)) from exc
    except SoftTimeLimitExceeded:
        return jobs.fail(job_id=job_id, message=TOO_LONG)


@shared_task(name="reports.tasks.sweep_stuck_jobs", ignore_result=True)
def sweep_stuck_jobs() -> int:
    return jobs.sweep_stuck_jobs()
