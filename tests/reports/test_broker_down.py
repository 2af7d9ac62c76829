"""Redis down (issue 18, finding 3): asking for a PDF or signing a consent never gives a
500 and never loses what was saved; the job says it waits for the worker, and the sweep
sends it again once the broker is back. The broker is a real connection to a closed
port (nothing listens on 127.0.0.1:9), not a stand-in. Seen to fail (a 500 from the
consent page, ConnectionRefused from the request) with the enqueue's guard taken out."""

from __future__ import annotations

import contextlib

import pytest
from django.urls import reverse

from charting.models import Consent
from charting.reports import requests
from charting.reports.models import BROKER_DOWN, ReportJob, Status
from charting.reports.tasks import sweep_stuck_jobs
from config.celery import app
from tests.factories import charted_treatment, data_url, signature_png, treatment_visit

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def broker_at(url: str):
    """The Celery app sends to ``url`` (a fresh connection pool), not eagerly."""
    saved = app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_timeout
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app.conf.broker_connection_timeout = 1
    _fresh_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved[0], saved[1]
        app.conf.broker_connection_timeout = saved[2]
        _fresh_pools()


def _fresh_pools() -> None:
    """Celery keeps its connection and producer pools: start new ones for the new URL."""
    app._pool = None
    app.amqp._producer_pool = None


def test_a_pdf_asked_for_while_the_broker_is_down_waits_and_says_so(
    patient, injector, injector_client, django_capture_on_commit_callbacks
):
    treatment = charted_treatment(patient=patient, injector=injector)
    from charting.signing import sign_treatment
    from tests.factories import PASSWORD

    signed = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    with broker_at("redis://127.0.0.1:9/0"), django_capture_on_commit_callbacks(execute=True):
        job = requests.request_injection_map(treatment_id=signed.pk, by=injector)
    job.refresh_from_db()
    assert job.status == Status.QUEUED and job.error == BROKER_DOWN
    page = injector_client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="broker-down"' in page and "worker is unreachable" in page
    # The broker is back (in-process here): the sweep sends the task, the job is done.
    sweep_stuck_jobs()
    job.refresh_from_db()
    assert job.status == Status.DONE and job.error == ""


def test_signing_a_consent_while_the_broker_is_down_keeps_the_consent(
    patient, injector, injector_client, django_capture_on_commit_callbacks
):
    visit, _plan = treatment_visit(patient=patient, injector=injector)
    url = reverse("charting:consent", args=[visit.pk])
    data = {"signed_name": patient.full_name, "signature": data_url(signature_png())}
    with broker_at("redis://127.0.0.1:9/0"), django_capture_on_commit_callbacks(execute=True):
        response = injector_client.post(url, data)
    assert response.status_code == 302
    assert Consent.objects.filter(visit=visit).count() == 1
    job = ReportJob.objects.get(visit=visit)
    assert job.status == Status.QUEUED and job.error == BROKER_DOWN
