"""A treatment-history PDF in a real browser with a real Celery worker: the job
page updates by itself (htmx polling) until the download appears."""

from __future__ import annotations

import pytest

from charting.reports.models import ReportJob, Status
from tests.factories import PASSWORD, make_history
from tests.reports.pdfs import pdf_text

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_history_pdf_from_the_patient_page(page, real_worker, injector, patient, tmp_path):
    make_history(patient=patient, injector=injector, cycles=3)
    login(page, injector.email, PASSWORD)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Treatment history PDF").click()
    page.get_by_role("button", name="Make PDF").click()
    status = page.get_by_test_id("job-status")
    assert status.get_attribute("data-status") in {"queued", "running", "done"}
    # No reload: htmx swaps the status card until the job is done.
    page.get_by_test_id("download").wait_for(timeout=90_000)
    assert ReportJob.objects.get().status == Status.DONE
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    saved = tmp_path / "history.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert patient.full_name in text and patient.chart_number in text
