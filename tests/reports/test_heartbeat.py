"""Issue 18, finding 13: a report whose worker died is found by its heartbeat, not by
the broker's visibility timeout, queued again, and its page says what happened.

Doors of the rule (``charting.reports.jobs.sweep_lost_jobs``): the beat's sweep task
(``reports.tasks.sweep_stuck_jobs``), the running attempt's heartbeat
(``jobs.heartbeat``), the job page and its polled status card, a manual retry (clears
the note). The real worker's kill is in ``test_worker.py``; here tasks run eagerly."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.reports import jobs, requests
from charting.reports.models import Status
from charting.reports.tasks import sweep_stuck_jobs
from tests.factories import make_history, make_report_job

pytestmark = pytest.mark.django_db


def _running(*, patient, by, beat_ago: float, attempts: int = 1):
    now = timezone.now()
    return make_report_job(
        patient=patient,
        by=by,
        status=Status.RUNNING,
        attempts=attempts,
        run_token="a" * 32,
        progress=50,
        started_at=now - datetime.timedelta(seconds=beat_ago + 5),
        heartbeat_at=now - datetime.timedelta(seconds=beat_ago),
    )


def test_a_silent_job_is_queued_again_and_its_page_says_so(
    patient, injector, injector_client, settings
):
    make_history(patient=patient, injector=injector, cycles=2)
    stale = settings.REPORT_HEARTBEAT_STALE_SECONDS
    lost = _running(patient=patient, by=injector, beat_ago=stale + 5)
    alive = _running(patient=patient, by=injector, beat_ago=stale - 10)
    # The sweep task, as beat runs it: the lost job is queued again and (eager here)
    # rendered by a new attempt; the job still beating is left to its worker.
    assert sweep_stuck_jobs() == 1
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == Status.DONE and lost.attempts == 2
    assert lost.worker_lost_at is not None and lost.restarted_at >= lost.worker_lost_at
    assert alive.status == Status.RUNNING and alive.worker_lost_at is None
    assert alive.run_token == "a" * 32
    for url in (lost.get_absolute_url(), reverse("reports:job_status", args=[lost.pk])):
        page = injector_client.get(url).content.decode()
        assert 'data-testid="worker-lost"' in page
        assert "The worker stopped while making this report" in page
        assert f"it was started again at {timezone.localtime(lost.started_at):%H:%M:%S}" in page
    assert (
        'data-testid="worker-lost"'
        not in injector_client.get(alive.get_absolute_url()).content.decode()
    )


def test_the_old_attempt_cannot_finish_a_job_taken_from_it(patient, injector, settings):
    """The sweep takes the job from the silent attempt (its token is gone): if that
    attempt was only slow, its heartbeat and its result change nothing."""
    job = _running(
        patient=patient, by=injector, beat_ago=settings.REPORT_HEARTBEAT_STALE_SECONDS + 1
    )
    assert jobs.sweep_lost_jobs() == [job.pk]
    assert jobs._holding(job.pk, "a" * 32).update(heartbeat_at=timezone.now()) == 0
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.heartbeat_at is None and job.run_token == ""


def test_a_job_that_keeps_losing_its_worker_fails_with_a_reason(
    patient, injector, injector_client, settings
):
    job = _running(
        patient=patient,
        by=injector,
        beat_ago=settings.REPORT_HEARTBEAT_STALE_SECONDS + 1,
        attempts=jobs.MAX_ATTEMPTS,
    )
    assert jobs.sweep_lost_jobs() == []
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error == jobs.LOST_TOO_OFTEN
    page = injector_client.get(job.get_absolute_url()).content.decode()
    assert "it was not started again" in page and 'data-testid="retry"' in page
    # A manual retry starts afresh: the note of the lost worker goes with the failure.
    requests.retry(job=job)
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.worker_lost_at is None


def test_a_death_is_seen_within_a_minute_by_default(settings):
    sweep_every = settings.CELERY_BEAT_SCHEDULE["reports-sweep-stuck-jobs"]["schedule"]
    assert settings.REPORT_HEARTBEAT_STALE_SECONDS + sweep_every <= 60
    assert settings.REPORT_HEARTBEAT_STALE_SECONDS > 2 * settings.REPORT_HEARTBEAT_SECONDS
