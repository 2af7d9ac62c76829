"""The auditor's pages: the filtered log, who accessed a patient, the CSV export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.utils import timezone

from audit.events import record
from audit.models import Action, AuditEvent
from tests.factories import PatientFactory
from tests.queries import audit_event

pytestmark = pytest.mark.django_db


def _views(patient, user, n: int) -> None:
    for _ in range(n):
        record(action=Action.VIEW, obj=patient, patient=patient, actor=user)


def test_the_auditor_lists_who_opened_a_patients_chart_today(
    client, admin_client, clinic_admin, injector, front_desk, patient
):
    other = PatientFactory()
    yesterday = timezone.now() - datetime.timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        _views(patient, front_desk, 1)
    _views(patient, injector, 2)
    _views(other, front_desk, 1)
    page = admin_client.get(f"/audit/patients/{patient.pk}/")
    assert page.status_code == 200
    rows = [
        e
        for e in page.context["events"]
        if e.object_type == "clinic.patient" and e.action == "view"
    ]
    assert [e.actor for e in rows] == [injector, injector]
    assert b"Ina Tester" in page.content
    # Looking at the access log is itself recorded, against the patient.
    last = AuditEvent.objects.order_by("-seq").first()
    assert (last.object_type, last.patient_id, last.actor) == (
        "audit.patient_access",
        patient.pk,
        clinic_admin,
    )
    day = yesterday.astimezone(timezone.get_current_timezone()).date().isoformat()
    earlier = admin_client.get(f"/audit/patients/{patient.pk}/?day={day}")
    assert [
        e.actor
        for e in earlier.context["events"]
        if e.action == "view" and e.object_type == "clinic.patient"
    ] == [front_desk]


def test_the_patient_page_links_admins_to_the_access_log(client, clinic_admin, injector, patient):
    link = f"/audit/patients/{patient.pk}/"
    client.force_login(clinic_admin)
    assert link in client.get(f"/patients/{patient.pk}/").content.decode()
    client.force_login(injector)
    assert link not in client.get(f"/patients/{patient.pk}/").content.decode()


@pytest.mark.parametrize("fixture", ["injector_client", "desk_client"])
def test_only_clinic_admins_read_the_audit_log(request, fixture, patient):
    client = request.getfixturevalue(fixture)
    for url in ("/audit/", "/audit/export.csv", f"/audit/patients/{patient.pk}/"):
        assert client.get(url).status_code == 403


def test_the_log_filters_by_patient_user_action_and_date(
    admin_client, injector, front_desk, patient
):
    other = PatientFactory()
    _views(patient, injector, 2)
    _views(other, front_desk, 1)
    record(action=Action.EXPORT, object_type="charting.report", actor=injector, patient=patient)

    def seqs(query: str) -> list[str]:
        response = admin_client.get(f"/audit/?{query}")
        assert response.status_code == 200
        return [(e.actor_id, e.action, e.patient_id) for e in response.context["page"]]

    assert seqs(f"patient={patient.chart_number}") == [
        (injector.pk, "export", patient.pk),
        (injector.pk, "view", patient.pk),
        (injector.pk, "view", patient.pk),
        (None, "create", patient.pk),  # the factory made the patient
    ]
    assert seqs(f"user={front_desk.pk}&action=view") == [(front_desk.pk, "view", other.pk)]
    assert seqs(f"patient={patient.pk}&action=export") == [(injector.pk, "export", patient.pk)]
    today = timezone.localdate()
    assert len(seqs(f"date_from={today}&date_to={today}&patient={other.pk}")) == 2
    assert seqs(f"date_from={today + datetime.timedelta(days=1)}&patient={other.pk}") == []
    bad = admin_client.get(f"/audit/?date_from={today}&date_to={today - datetime.timedelta(1)}")
    assert "The end date is before the start date." in bad.content.decode()


def test_the_csv_export_is_itself_audited(admin_client, clinic_admin, injector, patient):
    _views(patient, injector, 2)
    record(action=Action.LOGIN_FAILED, detail={"username": "=HYPERLINK(1)"}, object_id="=cmd|' /C")
    response = admin_client.get(f"/audit/export.csv?patient={patient.chart_number}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["seq", "at", "user", "role", "action"]
    assert [r[4] for r in rows[1:]] == ["view", "view", "create"]
    assert all(r[8] == patient.chart_number for r in rows[1:])
    export = AuditEvent.objects.order_by("-seq").first()
    assert (export.action, export.actor, export.detail["filters"]) == (
        Action.EXPORT,
        clinic_admin,
        {"patient": patient.chart_number},
    )
    everything = admin_client.get("/audit/export.csv")
    text = b"".join(everything.streaming_content).decode()
    assert "'=cmd" in text and ",=cmd" not in text  # no formula reaches a spreadsheet


@pytest.mark.parametrize("n", [5, 200])
def test_the_log_page_runs_a_constant_number_of_queries(
    admin_client, injector, patient, n, django_assert_num_queries
):
    _views(patient, injector, n)
    admin_client.get("/")  # the session's first request settles its clock
    # 1 session, 2 user, 3 user's roles, 4 count for the paginator, 5 the active
    # location, 6 locations for the navigation, 7 staff for the filter's select,
    # 8 the page of events with their actor and patient.
    with django_assert_num_queries(8):
        response = admin_client.get("/audit/")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [5, 200])
def test_the_access_page_runs_a_constant_number_of_queries(
    admin_client, injector, patient, n, django_assert_num_queries
):
    _views(patient, injector, n)
    admin_client.get("/")
    # 1 session, 2 user, 3 user's roles, 4 the patient, its own audit event
    # (audit_event()), the day's events with their actors, the active location,
    # locations for the navigation.
    with django_assert_num_queries(7 + audit_event()):
        response = admin_client.get(f"/audit/patients/{patient.pk}/")
    assert response.status_code == 200
