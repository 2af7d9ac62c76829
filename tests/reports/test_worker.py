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
