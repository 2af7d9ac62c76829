"""Reports rendered by a real ``celery worker`` process over Redis.

These tests commit their data (``transaction=True``) so the worker can read it,
and ``serialized_rollback`` puts the reference data (muscles, products) back
after each of them.
"""

from __future__ import annotations

import datetime
import io
import time
import zipfile

import pytest
from django.utils import timezone

from charting.reports import requests
from charting.reports.models import ReportJob, Status
from charting.reports.storage import private_storage
from tests.celery_worker import Worker
from tests.factories import PatientFactory, make_history, today
from tests.reports.pdfs import pdf_text, stored_report

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def watch(job: ReportJob, *, until=(Status.DONE, Status.FAILED), timeout=90.0) -> list[str]:
    """Poll the job; return the statuses seen, in order, once it reaches ``until``."""
    seen = [job.status]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status != seen[-1]:
            seen.append(job.status)
        if job.status in until:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status} after {timeout}s (seen {seen})")


def test_a_history_goes_queued_running_done_on_the_worker(real_worker, patient, injector):
    make_history(patient=patient, injector=injector, cycles=8)
    started = time.monotonic()
    job = requests.request_history(patient=patient, by=injector)
    seen = watch(job)
    elapsed = time.monotonic() - started
    assert seen == [Status.QUEUED, Status.RUNNING, Status.DONE]
    assert job.progress == 100 and job.attempts == 1 and job.pages >= 3
    text = " ".join(pdf_text(stored_report(job.file_name)).split())  # wrapped rows as one line
    assert patient.full_name in text and patient.chart_number in text
    assert "Corrugator supercilii 3.5 5 – 8.5 U L +1.5 U (30%)" in text  # R 3.5, L 5
    print(f"\nclick-to-downloadable (8 cycles, {job.pages} pages): {elapsed:.2f}s")


def test_the_clinic_export_counts_patients_on_the_worker(
    real_worker, patient, injector, clinic_admin
):
    make_history(patient=patient, injector=injector, cycles=2, every_days=5)
    make_history(patient=PatientFactory(), injector=injector, cycles=1, every_days=3)
    job = requests.request_history_export(
        by=clinic_admin, date_from=today() - datetime.timedelta(days=31), date_to=today()
    )
    assert watch(job)[-1] == Status.DONE
    assert (job.items_done, job.items_total) == (2, 2)
    archive = zipfile.ZipFile(io.BytesIO(stored_report(job.file_name)))
    assert len(archive.namelist()) == 2


def test_a_worker_killed_mid_render_is_replaced_and_the_job_completes(
    worker_setup, worker_queue, patient, injector
):
    """SIGKILL the worker (and its pool child) during a long history render. The
    message was never acknowledged (acks_late), so once a new worker starts it is
    delivered again, the new attempt takes the job over and finishes it."""
    queue = f"{worker_setup['queue']}-fault"
    worker_queue(queue)  # away from the session's worker
    visibility = 4  # seconds an unacknowledged message waits before redelivery
    env, logs = worker_setup["env"], worker_setup["logs"]
    extra = {"CELERY_VISIBILITY_TIMEOUT": str(visibility)}
    make_history(patient=patient, injector=injector, cycles=60, every_days=20)
    first = Worker(env=env, queue=queue, log_dir=logs, extra_env=extra)
    replacement = None
    try:
        job = requests.request_history(patient=patient, by=injector)
        watch(job, until=(Status.RUNNING,), timeout=60)
        time.sleep(1.0)  # well inside the render (it takes several seconds)
        assert first.children(), "the worker has no pool child rendering"
        first.kill()
        killed_at = time.monotonic()
        job.refresh_from_db()
        assert job.status == Status.RUNNING and job.attempts == 1, "killed too late"
        time.sleep(max(0.0, visibility + 1 - (time.monotonic() - killed_at)))
        replacement = Worker(env=env, queue=queue, log_dir=logs, extra_env=extra)
        assert watch(job, timeout=120)[-1] == Status.DONE
        assert job.attempts == 2 and job.progress == 100 and job.pages > 10
        assert private_storage().open(job.file_name).read(5) == b"%PDF-"
        assert not ReportJob.objects.filter(status=Status.RUNNING).exists()
    finally:
        first.kill()
        if replacement:
            replacement.stop()


def test_a_worker_killed_mid_render_is_found_by_its_heartbeat(
    worker_setup, worker_queue, patient, injector, injector_client, settings
):
    """Issue 18, finding 13. The broker would give the message back only after ten
    minutes (its visibility timeout); the heartbeat tells sooner. While the worker
    lives, its job beats through the long layout step and the sweep leaves it alone;
    once the worker's process group is killed the job goes silent, the sweep (run
    here as beat runs it) queues it again, a new worker finishes it and the page says
    what happened. The thresholds are lowered for the test (1 s beats, 4 s silence)."""
    from charting.reports.tasks import sweep_stuck_jobs

    queue = f"{worker_setup['queue']}-heartbeat"
    worker_queue(queue)  # away from the session's worker
    stale = 4
    settings.REPORT_HEARTBEAT_SECONDS, settings.REPORT_HEARTBEAT_STALE_SECONDS = 1, stale
    env, logs = worker_setup["env"], worker_setup["logs"]
    extra = {
        "CELERY_VISIBILITY_TIMEOUT": "600",
        "REPORT_HEARTBEAT_SECONDS": "1",
        "REPORT_HEARTBEAT_STALE_SECONDS": str(stale),
    }
    make_history(patient=patient, injector=injector, cycles=120, every_days=10)
    first = Worker(env=env, queue=queue, log_dir=logs, extra_env=extra)
    replacement = None
    try:
        job = requests.request_history(patient=patient, by=injector)
        watch(job, until=(Status.RUNNING,), timeout=60)
        deadline = time.monotonic() + 60
        while job.progress < 50 and time.monotonic() < deadline:  # into the PDF layout
            time.sleep(0.05)
            job.refresh_from_db()
        time.sleep(stale + 1)  # longer than the silence that means "lost"
        assert sweep_stuck_jobs() == 0, "a job whose worker lives was taken for lost"
        job.refresh_from_db()
        assert job.status == Status.RUNNING, "the render finished before the kill"
        assert job.worker_lost_at is None
        assert timezone.now() - job.heartbeat_at < datetime.timedelta(seconds=stale)
        first.kill()
        killed = timezone.now()
        replacement = Worker(env=env, queue=queue, log_dir=logs, extra_env=extra)
        found = 0
        while not found and time.monotonic() < deadline + 60:
            found = sweep_stuck_jobs()
            time.sleep(0.5)
        job.refresh_from_db()
        assert found == 1 and job.worker_lost_at is not None
        assert job.worker_lost_at - killed < datetime.timedelta(seconds=stale + 15)
        lost_after = (job.worker_lost_at - killed).total_seconds()
        print(f"\nworker killed -> job queued again: {lost_after:.1f}s")
        assert watch(job, timeout=120)[-1] == Status.DONE
        print(f"worker killed -> job done: {(job.finished_at - killed).total_seconds():.1f}s")
        assert job.attempts == 2 and job.pages > 10
        assert private_storage().open(job.file_name).read(5) == b"%PDF-"
        page = injector_client.get(job.get_absolute_url()).content.decode()
        assert "The worker stopped while making this report" in page
        assert f"it was started again at {timezone.localtime(job.started_at):%H:%M:%S}" in page
    finally:
        first.kill()
        if replacement:
            replacement.stop()
