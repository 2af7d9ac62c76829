"""Celery tasks: thin wrappers that take a job id (``reports.jobs`` does the work).

Acks late and rejects on worker loss (settings), so a report whose worker dies
mid-render is delivered again; ``run_job`` is safe to run twice.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from charting import prerender

from . import history_pages, jobs
from .models import BROKER_DOWN, ReportJob, Status

logger = logging.getLogger(__name__)

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
    """Every 15 seconds (beat): fail jobs running past the hard time limit, queue again
    the jobs whose heartbeat stopped (their worker died), and send again the tasks of
    queued jobs the broker could not take when they were asked for. Returns how many
    running jobs it found stuck or lost."""
    count = jobs.sweep_stuck_jobs()
    lost = jobs.sweep_lost_jobs()
    for job_id in lost:
        enqueue(job_id)
    for job_id in ReportJob.objects.waiting_for_broker().values_list("pk", flat=True):
        if job_id not in lost:
            enqueue(job_id)
    return count + len(lost)


@shared_task(name=history_pages.HELPER_TASK, ignore_result=True)
def render_history_parts(**share) -> int:
    """A second worker's share of a long history's (or record's, ``document``) first
    render: the chunks of kept parts the asking worker has not claimed yet
    (``history_pages.help_render``)."""
    return history_pages.help_render_history(**share)


@shared_task(name=prerender.TASK, ignore_result=True, acks_late=True)
def prerender_history_parts(patient_id: int, document: str | None = None) -> int:
    """Lay out the patient's kept parts of ``document`` (else of every document) before
    anyone asks (``charting.prerender`` says when; ``history_pages.prerender`` does it,
    safe twice). Queued at low priority. Past the time limit, the parts stored so far
    stay; the click or the nightly command lays out the rest."""
    documents = (history_pages.DOCUMENTS[document],) if document else None
    try:
        return history_pages.prerender(patient_id=patient_id, documents=documents)
    except SoftTimeLimitExceeded:
        logger.warning("pre-render of kept parts: stopped at the time limit")
        return 0


def enqueue(job_id: int) -> bool:
    """Send a job's task to the broker (the one way it is sent). A broker that does not
    answer never fails the request that asked (the job, and whatever was saved with it,
    such as a signed consent, stay): the job says it waits, and the sweep sends it again."""
    try:
        render_report.apply_async((job_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker fault (connection refused, timeout)
        logger.warning("report job %s: the broker is unreachable; the sweep sends it again", job_id)
        ReportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(error=BROKER_DOWN)
        return False
    ReportJob.objects.filter(pk=job_id, error=BROKER_DOWN).update(error="")
    return True
