"""A referral's letter as a PDF through the report jobs (issue 20): a new kind
(``Kind.REFERRAL_LETTER``), rendered by Celery on the clinic's letterhead, the same
text as the letter's page (reviews/_referral_letter.html).

Doors: the letter's page button (POST ``reports:referral_letter``, injector and clinic
admin; the front desk is refused), the job's page and download (``reports.access``);
a double submit makes one job (``clinic.once``). A step that is not a
referral prints no letter. Not in the Django admin; the demo data makes no letter.
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from charting.reports.models import Kind, Letterhead, ReportJob, Status
from charting.reports.rendering import render_html
from tests import hostile
from tests.factories import make_next_step, make_review
from tests.reports.pdfs import flat_text, stored_report

REASON = "Brow ptosis from laxity <script>alert(1)</script> & surgical opinion"


@pytest.fixture
def review(patient, injector):
    return make_review(patient=patient, injector=injector)


@pytest.mark.django_db
def test_the_front_desk_is_refused_the_letter_pdf(desk_client, review, injector):
    """Guard (access). Door: the letter page's PDF button, posted by the front desk."""
    step = make_next_step(review=review, by=injector, detail=REASON)
    response = desk_client.post(reverse("reports:referral_letter", args=[step.pk]))
    assert response.status_code == 403 and not ReportJob.objects.exists()


@pytest.mark.django_db
def test_a_step_that_is_not_a_referral_makes_no_letter(injector_client, review, injector):
    step = make_next_step(review=review, by=injector, kind="filler", detail="")
    response = injector_client.post(reverse("reports:referral_letter", args=[step.pk]), follow=True)
    assert "Only a referral prints a letter." in response.text
    assert not ReportJob.objects.exists()


@pytest.mark.django_db
def test_the_letter_pdf_escapes_the_reason(review, injector):
    """Guard (escaping): the reason, typed at the review, in the PDF's HTML."""
    from charting.reviews.models import NextStep

    step = make_next_step(review=review, by=injector, detail=REASON)
    step = NextStep.objects.select_related("patient").get(pk=step.pk)
    html = render_html(
        template="pdf/referral_letter.html", context={"step": step, "patient": step.patient}
    )
    hostile.assert_shown_as_text(html, REASON)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_letter_is_rendered_by_the_worker_on_the_letterhead(
    real_worker, injector_client, patient, injector
):
    """A real ``celery worker`` renders the letter; read back with pypdf."""
    Letterhead.objects.create(pk=1, name="Harbour Skin Clinic", phone="555-0100")
    review = make_review(patient=patient, injector=injector)
    step = make_next_step(review=review, by=injector)
    page = injector_client.get(reverse("reviews:referral_letter", args=[step.pk]))
    assert 'data-testid="request-referral-letter"' in page.text
    response = injector_client.post(reverse("reports:referral_letter", args=[step.pk]))
    job = ReportJob.objects.get(kind=Kind.REFERRAL_LETTER)
    assert response.status_code == 302 and job.subject_id == step.pk
    deadline = time.monotonic() + 90
    while job.status not in (Status.DONE, Status.FAILED) and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    text = flat_text(stored_report(job.file_name))
    assert "Harbour Skin Clinic" in text and patient.full_name in text
    assert "Oculoplastic surgeon" in text and "Brow ptosis from laxity, surgical opinion" in text


@pytest.mark.django_db
def test_a_double_submit_of_the_letter_makes_one_job(injector_client, review, injector):
    """Guard (double submit, second tab): the letter page's PDF button goes through
    ``clinic.once``."""
    step = make_next_step(review=review, by=injector, detail=REASON)
    page = injector_client.get(reverse("reviews:referral_letter", args=[step.pk])).text
    token = re.search(r'name="submit_token" value="([^"]+)"', page)[1]
    url = reverse("reports:referral_letter", args=[step.pk])
    first = injector_client.post(url, {"submit_token": token})
    second = injector_client.post(url, {"submit_token": token})
    job = ReportJob.objects.get()
    assert first["Location"] == second["Location"] == job.get_absolute_url()
