"""A view may hand its object to the audit (``audit.context.hand_over_read``) so
the read event takes the patient from it instead of a second query (issue 22);
the event is the same either way, and a view that hands nothing over is still
audited with its patient."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Action, AuditEvent
from tests.factories import PatientFactory, make_visit

pytestmark = pytest.mark.django_db


def _read_event(before):
    (event,) = AuditEvent.objects.order_by("seq")[before:]
    return event


@pytest.mark.urls("tests.audit.urls")
def test_a_page_whose_view_hands_nothing_over_is_read_with_its_patient(
    injector_client, patient, injector
):
    """The guard: forgetting ``hand_over_read`` never gives a read without its patient."""
    visit = make_visit(patient=patient, injector=injector, screened=True)
    before = AuditEvent.objects.count()
    response = injector_client.get(reverse("charting:visit_page", args=[visit.pk]))
    assert response.status_code == 200
    event = _read_event(before)
    assert (event.action, event.object_type, event.object_id, event.patient_id) == (
        Action.VIEW,
        "planning.visit",
        str(visit.pk),
        patient.pk,
    )


@pytest.mark.urls("tests.audit.urls")
def test_an_object_handed_over_that_the_url_does_not_name_is_ignored(
    injector_client, patient, injector, location
):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    stranger = make_visit(
        patient=PatientFactory(home_location=location), injector=injector, screened=True
    )
    before = AuditEvent.objects.count()
    response = injector_client.get(
        reverse("charting:visit_other", args=[visit.pk]), {"other": stranger.pk}
    )
    assert response.status_code == 200
    event = _read_event(before)
    assert (event.object_id, event.patient_id) == (str(visit.pk), patient.pk)


def test_a_real_page_handing_its_visit_over_records_the_same_event(
    injector_client, patient, injector
):
    """The movement map hands over its visit: the same event, one query fewer than
    a lookup (the visit's patient is not read again)."""
    visit = make_visit(patient=patient, injector=injector, screened=True)
    url = reverse("planning:movement_map", args=[visit.pk])
    assert injector_client.get(url).status_code == 200  # warm: reference caches
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        assert injector_client.get(url).status_code == 200
    event = _read_event(before)
    assert (event.action, event.object_type, event.object_id, event.patient_id) == (
        Action.VIEW,
        "planning.visit",
        str(visit.pk),
        patient.pk,
    )
    lookup = 'SELECT "planning_visit"."patient_id" FROM "planning_visit"'
    assert not [q for q in captured.captured_queries if q["sql"].startswith(lookup)]
    assert event.detail == {"page": "planning:movement_map", "status": 200}
