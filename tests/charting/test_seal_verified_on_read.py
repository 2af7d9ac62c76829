"""A signed record proves itself on every read (issue 18, finding 1): the stored
values are hashed again on the chart page and in the injection-map PDF; altered
data is never shown as signed without saying so, and the mismatch is audited.

Tampering is done as a database superuser would: with the lock triggers off
(``session_replication_role = replica``), which the model layer cannot stop.
Seen to fail with the check taken out of the chart page (the page said
"Signed and locked" over 40 U)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import Action, AuditEvent
from charting.consent import withdraw_consent
from charting.models import Consent
from charting.seal import verify
from tests.conftest import need
from tests.factories import signed_treatment
from tests.factories.reviews import two_weeks_after
from tests.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(patient, injector):
    return signed_treatment(patient=patient, injector=injector)


def chart_page(client, treatment) -> str:
    return client.get(reverse("charting:chart", args=[treatment.visit_id])).content.decode()


def test_an_untouched_signed_chart_says_its_signature_verifies(signed, injector_client):
    html = chart_page(injector_client, signed)
    assert 'data-testid="seal-ok"' in html and 'data-testid="seal-mismatch"' not in html


def test_units_changed_behind_the_locks_are_shown_as_not_matching(signed, injector_client):
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    injection = signed.injections.first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [injection.pk])
    assert not verify(signed)
    html = chart_page(injector_client, signed)
    assert 'data-testid="seal-mismatch"' in html and "does not match its signature" in html
    assert 'data-testid="seal-ok"' not in html
    event = AuditEvent.objects.filter(action=Action.MISMATCH).latest("pk")
    assert event.patient_id == signed.visit.patient_id and event.detail["where"] == "chart page"


def test_a_consent_withdrawn_after_signing_still_verifies(signed, injector, injector_client):
    """What was signed was the consent in force then; a later withdrawal is a later event."""
    consent = Consent.objects.get(visit=signed.visit)
    withdraw_consent(consent=consent, reason="Patient changed her mind afterwards.", by=injector)
    assert verify(signed)
    assert 'data-testid="seal-ok"' in chart_page(injector_client, signed)


def test_the_injection_map_says_whether_the_signature_verifies(
    signed, injector, django_capture_on_commit_callbacks
):
    from charting.reports import requests
    from tests.reports.pdfs import pdf_text, stored_report

    def injection_map() -> str:
        with django_capture_on_commit_callbacks(execute=True):
            job = requests.request_injection_map(treatment_id=signed.pk, by=injector)
        job.refresh_from_db()
        return pdf_text(stored_report(job.file_name))

    assert "Verified: the stored record matches what was signed" in injection_map()
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [signed.injections.first().pk])
    text = injection_map()
    assert "DOES NOT MATCH ITS SIGNATURE" in text and "Verified" not in text
    assert AuditEvent.objects.filter(action=Action.MISMATCH, detail__where="report").exists()


def test_a_consent_withdrawn_after_signing_is_shown_as_a_later_event(
    signed, injector, injector_client
):
    consent = Consent.objects.get(visit=signed.visit)
    withdraw_consent(consent=consent, reason="Asked to withdraw by phone.", by=injector)
    html = chart_page(injector_client, signed)
    assert 'data-testid="consent-withdrawn-later"' in html
    assert "after this chart was signed" in html and "Asked to withdraw by phone." in html


def test_the_review_page_says_when_its_treatment_does_not_match(signed, injector, injector_client):
    from charting.reviews.review import open_review

    review = open_review(treatment=signed, by=injector, on=two_weeks_after(signed))
    url = reverse("reviews:review", args=[review.pk])
    assert 'data-testid="seal-mismatch"' not in injector_client.get(url).content.decode()
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [signed.injections.first().pk])
    assert 'data-testid="seal-mismatch"' in injector_client.get(url).content.decode()
    assert AuditEvent.objects.filter(action=Action.MISMATCH, detail__where="review page").exists()
