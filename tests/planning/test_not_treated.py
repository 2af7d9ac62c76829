""" "Not treated today" as a visit's outcome with its reason (issue 20).

Doors (``planning.not_treated``): the visit's "Not treated today" page (injector
records; clinic admin reads; front desk refused), the visit page and the patient page's
visit list (shown), a second submit (double click, second tab), a signed visit (refused),
the patient summary and the next pre-visit form (a plan not given is not explained).
The Django admin registers no outcome; the demo data records none.
"""

import pytest
from django.test import Client
from django.urls import reverse

from charting.errors import ChartingError
from charting.signing import sign_treatment
from planning.choices import NotTreatedReason, VisitKind, VisitStatus
from planning.models import NotTreated, Visit
from planning.not_treated import record_not_treated
from tests import hostile
from tests.factories import PASSWORD, charted_treatment, make_visit, signed_treatment

pytestmark = pytest.mark.django_db

NOTE = "Cold sore <script>alert(1)</script> at the lip; rebook in 2 weeks"


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)


def test_the_injector_records_the_reason_and_the_history_shows_it(injector_client, visit):
    url = reverse("planning:not_treated", args=[visit.pk])
    data = {"reason": NotTreatedReason.INFECTION, "note": NOTE}
    assert injector_client.post(url, data).status_code == 302
    assert injector_client.post(url, data).status_code == 302  # double submit: once
    outcome = NotTreated.objects.get(visit=visit)
    assert outcome.reason == NotTreatedReason.INFECTION
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.COMPLETED  # not abandoned
    detail = injector_client.get(reverse("planning:visit_detail", args=[visit.pk])).text
    assert 'data-testid="not-treated"' in detail
    assert "Infection or inflammation at the planned site" in detail
    hostile.assert_shown_as_text(detail, NOTE)
    history = injector_client.get(reverse("patient_detail", args=[visit.patient_id])).text
    assert "not treated: Infection or inflammation at the planned site" in history


def test_html_in_the_note_is_escaped(injector_client, visit):
    """Guard (seen red with ``|safe`` planted on the note in visit_detail.html)."""
    url = reverse("planning:not_treated", args=[visit.pk])
    injector_client.post(url, {"reason": NotTreatedReason.OTHER, "note": NOTE})
    detail = injector_client.get(reverse("planning:visit_detail", args=[visit.pk])).text
    assert "<script>alert(1)</script>" not in detail
    assert "&lt;script&gt;" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "other", "note": ""}, "Write the reason."),
        ({"reason": "made-up", "note": ""}, "Select a valid choice"),
        ({"reason": "other", "note": "a\x07b"}, "control characters"),
        ({"reason": "other", "note": "a\x00b"}, "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_a_message(injector_client, visit, data, message):
    response = injector_client.post(reverse("planning:not_treated", args=[visit.pk]), data)
    assert response.status_code == 400
    assert message in response.text
    assert not NotTreated.objects.exists()


def test_a_second_different_reason_is_refused(injector_client, visit):
    url = reverse("planning:not_treated", args=[visit.pk])
    injector_client.post(url, {"reason": NotTreatedReason.PREGNANCY, "note": ""})
    response = injector_client.post(url, {"reason": NotTreatedReason.DECLINED, "note": ""})
    assert response.status_code == 400
    assert "already recorded" in response.text
    assert NotTreated.objects.get(visit=visit).reason == NotTreatedReason.PREGNANCY


def test_a_treated_visit_cannot_be_not_treated(injector_client, patient, injector):
    treatment = signed_treatment(patient=patient, injector=injector)
    url = reverse("planning:not_treated", args=[treatment.visit_id])
    response = injector_client.post(url, {"reason": NotTreatedReason.UNWELL, "note": ""})
    assert response.status_code == 400
    assert "it was treated" in response.text
    assert not NotTreated.objects.exists()


def test_only_the_injector_records_it(front_desk, clinic_admin, visit):
    """Guard (seen red with the injector check taken out of the view's POST): the front
    desk cannot open the page, the clinic admin reads it but cannot record."""
    desk_client, admin_client = Client(), Client()
    desk_client.force_login(front_desk)
    admin_client.force_login(clinic_admin)
    url = reverse("planning:not_treated", args=[visit.pk])
    data = {"reason": NotTreatedReason.UNWELL, "note": ""}
    assert desk_client.get(url).status_code == 403
    assert desk_client.post(url, data).status_code == 403
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, data).status_code == 403
    assert not NotTreated.objects.exists()


def test_a_not_treated_visit_cannot_be_signed_as_treated(patient, injector):
    """Guard (seen red with the check taken out of ``charting.signing.sign_treatment``):
    a chart on a visit recorded as not treated today is refused at signing."""
    treatment = charted_treatment(patient=patient, injector=injector)
    record_not_treated(
        visit=treatment.visit, reason=NotTreatedReason.DECLINED, note="", by=injector
    )
    with pytest.raises(ChartingError, match="recorded as not treated today"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    treatment.refresh_from_db()
    assert not treatment.is_signed


def test_a_plan_not_given_is_not_explained_to_the_patient_nor_listed_for_consent(
    patient, injector, visit
):
    """Doors of "not treated today" beyond signing (review finding): the patient summary
    (page, PDF, the patient's copy) does not explain a final plan that was never given,
    and the next pre-visit form does not list its regions above the consent text."""
    from django.utils import timezone

    from charting.reports.errors import ReportRefused
    from charting.reports.patient_summary import build_summary
    from planning.intake import planned_regions
    from tests.factories import make_plan

    make_plan(visit=visit, by=injector, points=[("CORR", "R", 4), ("CORR", "L", 4)], final=True)
    today = timezone.localdate()
    assert build_summary(visit=visit).areas and planned_regions(patient_id=patient.pk, today=today)
    record_not_treated(visit=visit, reason=NotTreatedReason.DECLINED, note="", by=injector)
    with pytest.raises(ReportRefused):
        build_summary(visit=visit)
    assert planned_regions(patient_id=patient.pk, today=today) == []


def test_the_rule_itself_refuses_anyone_but_an_injector(front_desk, clinic_admin, visit):
    """Whichever door calls ``record_not_treated`` (a page, a task, the demo), only an
    injector records it."""
    from django.core.exceptions import PermissionDenied

    for who in (front_desk, clinic_admin):
        with pytest.raises(PermissionDenied):
            record_not_treated(visit=visit, reason=NotTreatedReason.UNWELL, note="", by=who)
    assert not NotTreated.objects.exists()
