"""Asking for reports and running their jobs (tasks eager, in-process)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from charting.reports import jobs, requests
from charting.reports.models import Kind, ReportJob, Status
from charting.reports.storage import private_storage
from charting.reports.tasks import render_report, sweep_stuck_jobs
from tests.factories import PatientFactory, make_history, make_report_job, today
from tests.reports.pdfs import stored_report

pytestmark = pytest.mark.django_db


def stored_files() -> list[str]:
    storage = private_storage()
    found = []

    def walk(path):
        dirs, files = storage.listdir(path)
        found.extend(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    if storage.exists("reports"):
        walk("reports")
    return found


def test_a_history_request_queues_after_commit_and_renders(
    patient, injector, django_capture_on_commit_callbacks
):
    make_history(patient=patient, injector=injector, cycles=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = requests.request_history(patient=patient, by=injector)
    assert job.status == Status.QUEUED and len(callbacks) == 1
    callbacks[0]()  # the commit: the (eager) task runs
    job.refresh_from_db()
    assert job.status == Status.DONE and job.progress == 100
    assert job.pages >= 1 and job.file_size > 1000 and job.attempts == 1
    assert private_storage().open(job.file_name).read(5) == b"%PDF-"


def test_the_task_run_twice_renders_once(patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    job = make_report_job(patient=patient, by=injector)
    assert render_report.delay(job.pk).get() == "done"
    first = ReportJob.objects.get(pk=job.pk)
    assert render_report.delay(job.pk).get() == "skipped"
    second = ReportJob.objects.get(pk=job.pk)
    assert second.attempts == 1 and second.file_name == first.file_name
    assert second.finished_at == first.finished_at
    assert stored_files() == [first.file_name]


def test_a_job_left_running_by_a_lost_worker_is_taken_over(patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    job = make_report_job(
        patient=patient,
        by=injector,
        status=Status.RUNNING,
        attempts=1,
        run_token="lost-worker",
        started_at=timezone.now(),
    )
    assert jobs.run_job(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2 and job.status == Status.DONE


def test_a_finish_by_an_attempt_that_lost_the_job_is_discarded(patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    job = make_report_job(patient=patient, by=injector)
    claimed, token = jobs._claim(job.pk)
    # Meanwhile the sweep failed it (or another attempt took it over).
    ReportJob.objects.filter(pk=job.pk).update(run_token="someone-else")
    output = jobs.RENDERERS[Kind.HISTORY](claimed, lambda p: None, lambda d, t: None)
    assert jobs._store(job=claimed, token=token, output=output) == "skipped"
    assert stored_files() == []


def test_end_before_start_is_refused_and_nothing_is_created(patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    with pytest.raises(ValidationError) as error:
        requests.request_history(
            patient=patient,
            by=injector,
            date_from=today(),
            date_to=today() - datetime.timedelta(days=1),
        )
    assert error.value.message_dict == {"date_to": ["The end date is before the start date."]}
    assert not ReportJob.objects.exists()


def test_no_visits_in_range_gives_a_message_and_no_pdf(patient, injector, clinic_admin):
    make_history(patient=patient, injector=injector, cycles=1, every_days=100)
    long_ago = today() - datetime.timedelta(days=3000)
    with pytest.raises(ValidationError, match="no visits in the chosen dates"):
        requests.request_history(patient=patient, by=injector, date_from=long_ago, date_to=long_ago)
    with pytest.raises(ValidationError, match="No visits in the chosen dates"):
        requests.request_history_export(by=clinic_admin, date_from=long_ago, date_to=long_ago)
    assert not ReportJob.objects.exists()


def test_a_job_whose_visits_went_away_fails_with_the_reason_and_can_be_retried(
    patient, injector, django_capture_on_commit_callbacks
):
    visits = make_history(patient=patient, injector=injector, cycles=1)
    job = make_report_job(patient=patient, by=injector)
    visits[0].status = "cancelled"
    visits[0].save()
    assert jobs.run_job(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == Status.FAILED and "nothing to export" in job.error
    assert stored_files() == []

    visits[0].status = "completed"
    visits[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        requests.retry(job=job)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 2 and job.error == ""


def test_only_a_failed_job_can_be_retried(patient, injector):
    job = make_report_job(patient=patient, by=injector)
    with pytest.raises(ValidationError, match="Only a failed report"):
        requests.retry(job=job)


def test_the_sweep_fails_jobs_running_past_the_hard_limit(patient, injector, settings):
    now = timezone.now()
    limit = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)

    def running(started):
        return make_report_job(
            patient=patient,
            by=injector,
            status=Status.RUNNING,
            started_at=started,
        )

    stuck = running(now - limit - datetime.timedelta(minutes=5))
    busy = running(now - datetime.timedelta(seconds=10))
    assert sweep_stuck_jobs.delay().get() == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == Status.FAILED and "Retry" in stuck.error
    assert busy.status == Status.RUNNING


def test_the_clinic_export_is_one_pdf_per_patient_in_a_zip(
    patient, injector, clinic_admin, django_capture_on_commit_callbacks
):
    import io
    import zipfile

    other = PatientFactory(first_name="Noor", last_name="Okafor")
    make_history(patient=patient, injector=injector, cycles=2, every_days=10)
    make_history(patient=other, injector=injector, cycles=1, every_days=5)
    make_history(patient=PatientFactory(), injector=injector, cycles=1, every_days=400)
    with django_capture_on_commit_callbacks(execute=True):
        job = requests.request_history_export(
            by=clinic_admin, date_from=today() - datetime.timedelta(days=30), date_to=today()
        )
    job.refresh_from_db()
    assert job.status == Status.DONE and (job.items_done, job.items_total) == (2, 2)
    archive = zipfile.ZipFile(io.BytesIO(stored_report(job.file_name)))
    assert sorted(archive.namelist()) == sorted(
        f"history-{p.chart_number}.pdf" for p in (patient, other)
    )
    assert job.download_name.endswith(".zip")


def test_the_celery_settings_keep_a_lost_report(settings):
    from config.celery import app

    assert render_report.acks_late and render_report.reject_on_worker_lost
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD > 0
    # A redelivered task must not overtake one still running: visibility > hard limit.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.CELERY_TASK_TIME_LIMIT
    sweep = settings.CELERY_BEAT_SCHEDULE["reports-sweep-stuck-jobs"]
    assert sweep["task"] == sweep_stuck_jobs.name
