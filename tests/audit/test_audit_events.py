"""Every view of a patient's screens, change of a record, download and sign-in
becomes one audit event with who, role, what, patient, when, IP and request id."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from audit.chain import verify_chain
from audit.events import record
from audit.models import Action, AuditEvent
from clinic.models import Patient

pytestmark = pytest.mark.django_db


def test_viewing_a_chart_writes_one_view_event(injector_client, injector, patient, events):
    before = AuditEvent.objects.count()
    response = injector_client.get(
        f"/patients/{patient.pk}/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="tablet"
    )
    assert response.status_code == 200
    new = events()[before:]
    assert len(new) == 1
    event = new[0]
    assert (event.action, event.object_type, event.object_id) == (
        Action.VIEW,
        "clinic.patient",
        str(patient.pk),
    )
    assert event.patient_id == patient.pk
    assert event.actor == injector and event.role == "Injector"
    assert event.ip == "10.1.2.3"
    assert event.request_id == response["X-Request-ID"]
    assert event.path == f"/patients/{patient.pk}/"
    assert verify_chain().ok


@pytest.mark.urls("tests.audit.urls")
def test_a_clinical_page_is_audited_without_the_view_asking(injector_client, patient, events):
    """A page in the charting namespace: audited by the middleware alone."""
    before = AuditEvent.objects.count()
    assert injector_client.get(reverse("charting:chart", args=[patient.pk])).status_code == 200
    assert injector_client.get(reverse("charting:day_list")).status_code == 200
    chart, day = events()[before:]
    assert (chart.action, chart.patient_id) == (Action.VIEW, patient.pk)
    assert (day.action, day.object_type, day.patient_id) == (
        Action.VIEW,
        "charting:day_list",
        None,
    )


@pytest.mark.urls("tests.audit.urls")
def test_downloading_a_pdf_writes_one_download_event(
    admin_client, clinic_admin, patient, events, report_kwarg
):
    before = AuditEvent.objects.count()
    response = admin_client.get(reverse("charting:report_pdf", args=[patient.pk]))
    assert response["Content-Type"] == "application/pdf"
    new = events()[before:]
    assert [(e.action, e.object_type, e.patient_id, e.actor) for e in new] == [
        (Action.DOWNLOAD, "charting.report", patient.pk, clinic_admin)
    ]


@pytest.mark.urls("tests.audit.urls")
def test_a_refused_clinical_page_is_recorded_as_denied(desk_client, front_desk, patient, events):
    before = AuditEvent.objects.count()
    assert desk_client.get(reverse("charting:chart", args=[patient.pk])).status_code == 403
    (event,) = events()[before:]
    assert (event.action, event.actor, event.patient_id) == (
        Action.DENIED,
        front_desk,
        patient.pk,
    )


def test_changing_a_record_writes_one_change_event_with_the_field_names(
    injector_client, injector, patient, events
):
    before = AuditEvent.objects.count()
    data = {
        "first_name": patient.first_name,
        "last_name": "Lockwood-Hart",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": patient.phone,
        "email": "",
        "chart_number": patient.chart_number,
        "front_desk_notes": "",
        "is_active": "on",
    }
    response = injector_client.post(f"/patients/{patient.pk}/edit/", data)
    assert response.status_code == 302
    new = [e for e in events()[before:] if e.action != Action.VIEW]
    assert len(new) == 1
    change = new[0]
    assert (change.action, change.object_type, change.patient_id, change.actor) == (
        Action.CHANGE,
        "clinic.patient",
        patient.pk,
        injector,
    )
    assert "last_name" in change.detail["fields"]
    # The values stay out of our table (they are in auditlog's LogEntry, linked).
    assert "Lockwood-Hart" not in str(change.detail)
    assert change.detail["logentry"]


def test_the_event_is_written_in_the_transaction_of_the_change(patient, events):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(last_name="Rolled Back")
        record(action=Action.CHANGE, obj=patient, patient=patient)
        raise RuntimeError("the change fails after the event was written")
    assert AuditEvent.objects.count() == before
    patient.refresh_from_db()
    assert patient.last_name == "Lockwood"
    assert verify_chain().ok


def test_sign_in_failed_sign_in_and_sign_out_are_events(client, injector, events):
    before = AuditEvent.objects.count()
    client.post("/login/", {"username": injector.email, "password": "wrong-password-x"})
    client.post("/login/", {"username": injector.email, "password": "test-pass-2026-long"})
    client.post("/logout/")
    new = events()[before:]
    assert [e.action for e in new] == [Action.LOGIN_FAILED, Action.LOGIN, Action.LOGOUT]
    failed, login, logout = new
    assert failed.actor is None and failed.detail == {"username": injector.email}
    assert login.actor == injector and logout.actor == injector
    assert "wrong-password" not in str([e.detail for e in new])


def test_pages_without_patient_data_are_not_audited(admin_client, events):
    before = AuditEvent.objects.count()
    admin_client.get("/")
    admin_client.get("/patients/")
    assert events()[before:] == []


def test_opening_a_patient_in_the_django_admin_is_a_view(admin_client, clinic_admin, patient):
    before = AuditEvent.objects.count()
    assert admin_client.get(f"/admin/clinic/patient/{patient.pk}/change/").status_code == 200
    assert admin_client.get("/admin/clinic/location/").status_code == 200
    new = list(AuditEvent.objects.order_by("seq"))[before:]
    assert [(e.action, e.object_type, e.patient_id, e.actor) for e in new] == [
        (Action.VIEW, "clinic.patient", patient.pk, clinic_admin)
    ]


def test_opening_a_patients_change_record_in_the_admin_is_a_view(admin_client, patient):
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(patient).first()
    before = AuditEvent.objects.count()
    assert admin_client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200
    (event,) = list(AuditEvent.objects.order_by("seq"))[before:]
    assert (event.object_type, event.patient_id) == ("auditlog.logentry", patient.pk)
