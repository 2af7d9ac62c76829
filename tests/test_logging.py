"""What a refused request writes to the log: one record (Django's "Forbidden")
with its traceback, once, in development as in production, and no patient data.

In development (DEBUG on) every ``django.*`` record was written twice: by the
console handler Django's own default logging puts on the ``django`` logger, and
again by the root logger's handler of config/settings.py's LOGGING, to which it
propagates."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output():
    """What the configured stream handlers write (the root's and any on ``django``),
    read from one buffer: each handler's stream is pointed at it for the test."""
    buffer = io.StringIO()
    handlers = [
        h
        for name in ("", "django", "django.request")
        for h in logging.getLogger(name).handlers
        if type(h) is logging.StreamHandler
    ]
    before = [h.setStream(buffer) for h in handlers]
    yield buffer
    for handler, stream in zip(handlers, before, strict=True):
        handler.setStream(stream)


@pytest.mark.parametrize("debug", [True, False])
def test_a_403_is_logged_once_without_patient_data(
    desk_client, patient, settings, log_output, debug
):
    settings.DEBUG = debug

    response = desk_client.post(reverse("planning:start_consultation", args=[patient.pk]))

    assert response.status_code == 403
    written = log_output.getvalue()
    assert written.count("Forbidden (Permission denied)") == 1, written
    assert written.count("Traceback (most recent call last)") == 1
    assert "PermissionDenied: Your role does not give access to this page." in written
    for private in (patient.first_name, patient.last_name, patient.chart_number):
        assert private and private not in written
