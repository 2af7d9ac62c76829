"""The report pages: ask, watch, download; who may; bad input; query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from charting.reports.models import Kind, ReportJob, Status
from tests.factories import PatientFactory, make_history, make_report_job, today
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def history_url(patient):
    return reverse("reports:patient_history", args=[patient.pk])


def test_an_injector_asks_for_a_history_and_downloads_the_pdf(
    injector_client, patient, injector, django_capture_on_commit_callbacks
):
    make_history(patient=patient, injector=injector, cycles=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = injector_client.post(history_url(patient), {"date_from": "", "date_to": ""})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = injector_client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert b'data-status="done"' in page.content and b"Download PDF" in page.content
    assert b"hx-trigger" not in page.content  # no polling once done
    download = injector_client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert patient.chart_number in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_pending_job_polls_its_status(injector_client, patient, injector):
    job = make_report_job(patient=patient, by=injector)
    status = injector_client.get(reverse("reports:job_status", args=[job.pk]))
    assert status.status_code == 200
    assert b'hx-trigger="every 1s"' in status.content and b"Waiting for a worker" in status.content
    assert status["Cache-Control"] == "no-store"
    early = injector_client.get(reverse("reports:download", args=[job.pk]))
    assert early.status_code == 302  # not ready: back to the status page with a message


def test_a_failed_job_shows_its_error_and_a_retry(injector_client, patient, injector):
    job = make_report_job(
        patient=patient,
        by=injector,
        status=Status.FAILED,
        error="The report stopped before it finished (its worker was lost). Retry it.",
    )
    page = injector_client.get(job.get_absolute_url())
    assert b"its worker was lost" in page.content and b'data-testid="retry"' in page.content


def test_end_before_start_shows_a_message_next_to_the_field(injector_client, patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    response = injector_client.post(
        history_url(patient), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "date_to": ["The end date is before the start date."]
    }
    assert b'value="2026-05-10"' in response.content  # what was typed is kept
    assert not ReportJob.objects.exists()


def test_a_history_with_no_visits_in_range_says_so(injector_client, patient, injector):
    make_history(patient=patient, injector=injector, cycles=1)
    response = injector_client.post(
        history_url(patient), {"date_from": "2001-01-01", "date_to": "2001-12-31"}
    )
    assert response.status_code == 422
    assert b"no visits in the chosen dates" in response.content
    assert not ReportJob.objects.exists()


def test_the_clinic_export_is_for_admins(client, clinic_admin, patient, injector):
    make_history(patient=patient, injector=injector, cycles=1, every_days=3)
    url = reverse("reports:export_history")
    dates = {"date_from": str(today() - datetime.timedelta(days=30)), "date_to": str(today())}
    client.force_login(injector)
    assert client.post(url, dates).status_code == 403
    client.force_login(clinic_admin)
    response = client.post(url, dates)
    job = ReportJob.objects.get()
    assert response.status_code == 302 and job.kind == Kind.HISTORY_EXPORT


def test_export_bad_dates_and_empty_range(admin_client):
    url = reverse("reports:export_history")
    backwards = admin_client.post(url, {"date_from": "2026-05-10", "date_to": "2026-05-01"})
    assert backwards.status_code == 422
    assert backwards.context["export_form"].errors["date_to"] == [
        "The end date is before the start date."
    ]
    empty = admin_client.post(url, {"date_from": "2001-01-01", "date_to": "2001-01-31"})
    assert empty.status_code == 422 and b"nothing to export" in empty.content
    missing = admin_client.post(url, {"date_from": "", "date_to": ""})
    assert missing.status_code == 422 and "date_from" in missing.context["export_form"].errors
    assert not ReportJob.objects.exists()


def done_job(*, file_name, **job):
    """A finished report job whose file is ``file_name``."""
    return make_report_job(status=Status.DONE, file_name=file_name, **job)


def test_an_injector_may_not_open_the_clinic_export(client, injector, clinic_admin):
    job = done_job(
        by=clinic_admin,
        kind=Kind.HISTORY_EXPORT,
        date_from=today(),
        date_to=today(),
        file_name="reports/x.zip",
    )
    client.force_login(injector)
    for name in ("job_detail", "job_status", "download"):
        response = client.get(reverse(f"reports:{name}", args=[job.pk]))
        assert response.status_code == 403, name


def test_the_front_desk_may_not_download_a_clinical_report(desk_client, patient, injector):
    job = done_job(patient=patient, by=injector, file_name="reports/x.pdf")
    assert desk_client.get(reverse("reports:download", args=[job.pk])).status_code == 403
    assert desk_client.get(history_url(patient)).status_code == 403


def test_a_missing_file_is_a_404_not_a_500(injector_client, patient, injector):
    job = done_job(patient=patient, by=injector, file_name="reports/gone.pdf")
    assert injector_client.get(reverse("reports:download", args=[job.pk])).status_code == 404


def test_the_patient_page_links_to_the_history_for_clinical_roles(
    client, injector, front_desk, patient
):
    client.force_login(injector)
    assert history_url(patient).encode() in client.get(patient.get_absolute_url()).content
    client.force_login(front_desk)
    assert history_url(patient).encode() not in client.get(patient.get_absolute_url()).content


def _jobs(n, *, by):
    for _ in range(n):
        make_report_job(patient=PatientFactory(), by=by)


@pytest.mark.parametrize("rows", [3, 40])
def test_the_reports_page_has_a_constant_query_count(
    rows, admin_client, clinic_admin, django_assert_num_queries
):
    _jobs(rows, by=clinic_admin)
    # 1 session, 2 user, 3 the user's roles, 4 the latest jobs (patient, requester
    # joined), 5 the active location, 6 the locations of the navigation bar.
    with django_assert_num_queries(6):
        response = admin_client.get(reverse("reports:job_list"))
    assert response.status_code == 200
    assert len(response.context["jobs"]) == min(rows, 30)


@pytest.mark.parametrize("rows", [3, 40])
def test_the_patient_history_page_has_a_constant_query_count(
    rows, injector_client, injector, patient, django_assert_num_queries
):
    for _ in range(rows):
        make_report_job(patient=patient, by=injector)
    # 1 session, 2 user, 3 roles, 4 patient, 5 the patient's history jobs (patient,
    # requester joined), 6 the patient's visits (for the measured asymmetry; with some,
    # their photos and the units charted follow: tests/reports/test_measured_history.py),
    # 7 the active location, 8 the locations of the navigation bar;
    # +audit_event(): the read is audited.
    with django_assert_num_queries(8 + audit_event()):
        response = injector_client.get(history_url(patient))
    assert response.status_code == 200
