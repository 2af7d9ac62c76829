"""Consent and injection-map PDFs from charting's records (tasks eager)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from charting.chart import add_adverse_event
from charting.models import AdverseKind, Severity
from charting.reports import requests
from charting.reports.models import Kind, ReportJob, Status
from charting.reports.patient_history import build_history
from charting.reports.rendering import render_pdf
from charting.signing import add_addendum, sign_treatment
from tests.factories import (
    PASSWORD,
    charted_treatment,
    data_url,
    make_report_job,
    signature_png,
    treatment_visit,
)
from tests.reports.pdfs import pdf_text, stored_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(patient, injector):
    treatment = charted_treatment(patient=patient, injector=injector)
    add_adverse_event(
        treatment=treatment, kind=AdverseKind.BRUISE, severity=Severity.MILD, note="", by=injector
    )
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    add_addendum(treatment=treatment, reason="Late note", text="Ice given after.", by=injector)
    return treatment


def test_the_injection_map_of_a_signed_treatment(
    signed, patient, injector, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = requests.request_injection_map(treatment_id=signed.pk, by=injector)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.kind == Kind.INJECTION_MAP
    assert job.visit_id == signed.visit_id and job.patient == patient
    text = pdf_text(stored_report(job.file_name))
    assert patient.full_name in text and patient.chart_number in text
    assert "TL-1001" in text  # the lot
    # Glabellar plan: corrugator 8 U right, 8 U left (even); procerus 4 U midline.
    text = " ".join(text.split())  # a row that wraps in its cell reads as one line
    assert "Corrugator supercilii 8 8 – 16 U even" in text
    assert "Procerus – – 4 4 U –" in text
    assert "All muscles 8 8 4 20 U even" in text
    assert "Bruise (mild)" in text and "Ice given after." in text
    assert str(injector) in text  # signed by


def test_an_unsigned_treatment_is_refused_not_drafted(
    patient, injector, injector_client, django_capture_on_commit_callbacks
):
    treatment = charted_treatment(patient=patient, injector=injector)
    with pytest.raises(ValidationError, match="not signed yet"):
        requests.request_injection_map(treatment_id=treatment.pk, by=injector)
    response = injector_client.post(reverse("reports:injection_map", args=[treatment.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("charting:chart", args=[treatment.visit_id])
    assert not ReportJob.objects.exists()
    # A job made behind the check (or a chart unsigned since) fails with the reason.
    job = make_report_job(
        kind=Kind.INJECTION_MAP,
        patient=patient,
        by=injector,
        visit=treatment.visit,
        subject_id=treatment.pk,
    )
    from charting.reports.jobs import run_job

    assert run_job(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert "not signed yet" in job.error and not job.file_name


def test_signing_consent_on_screen_makes_the_consent_pdf(
    patient, injector, injector_client, django_capture_on_commit_callbacks
):
    visit, _plan = treatment_visit(patient=patient, injector=injector)
    with django_capture_on_commit_callbacks(execute=True):
        response = injector_client.post(
            reverse("charting:consent", args=[visit.pk]),
            {"signed_name": "Maya Lockwood", "signature": data_url(signature_png())},
        )
    assert response.status_code == 302
    job = ReportJob.objects.get(kind=Kind.CONSENT)
    assert job.status == Status.DONE and job.visit == visit
    text = pdf_text(stored_report(job.file_name))
    assert "Maya Lockwood" in text and "Corrugator" in text and str(injector) in text
    reader = PdfReader(io.BytesIO(stored_report(job.file_name)))
    images = [img for page in reader.pages for img in page.images]
    assert images, "the signature image is embedded"
    chart_page = injector_client.get(reverse("charting:chart", args=[visit.pk]))
    assert f'data-testid="download-{Kind.CONSENT}"'.encode() in chart_page.content


def test_the_history_carries_the_signed_treatment(signed, patient):
    context = build_history(patient=patient)
    cycle = next(c for c in context["visits"] if c.visit.pk == signed.visit_id)
    assert cycle.treatment["grand"]["total"] == 20
    pdf = render_pdf(template="pdf/history.html", context=context)
    text = pdf_text(pdf.content)
    assert "TL-1001" in text and "All muscles 8 8 4 20 U even" in " ".join(text.split())


def test_the_signed_chart_page_offers_the_injection_map(signed, injector_client):
    page = injector_client.get(reverse("charting:chart", args=[signed.visit_id]))
    assert b'data-testid="request-injection-map"' in page.content


def test_the_injection_map_shows_where_the_chart_departs_from_the_plan(
    patient, injector, django_capture_on_commit_callbacks
):
    """Issue 16: planned, given and the difference per muscle and side, and the reason
    the injector gave at signing."""
    treatment = charted_treatment(patient=patient, injector=injector)
    first = treatment.injections.get(muscle__code="PROC")
    first.units = Decimal("6")
    first.save()
    treatment = sign_treatment(
        treatment=treatment,
        by=injector,
        password=PASSWORD,
        acknowledgment="Strong procerus on the day.",
    ).treatment
    with django_capture_on_commit_callbacks(execute=True):
        job = requests.request_injection_map(treatment_id=treatment.pk, by=injector)
    job.refresh_from_db()
    assert job.status == Status.DONE, job.error
    text = pdf_text(stored_report(job.file_name))
    assert "Against the final plan" in text
    assert "Procerus Midline 4 U 6 U 2 U more" in text
    assert "Acknowledged at signing: Strong procerus on the day." in text


def test_the_injection_map_hatches_what_the_plan_kept(
    patient, injector, django_capture_on_commit_callbacks
):
    """Issue 21: the PDF's diagram hatches the plan's kept segments as the plan page
    does (planning/face_kept.jinja), their reasons escaped inside the SVG."""
    import base64
    from xml.etree import ElementTree

    from charting.reports.treatments import summary, with_rows
    from planning.models import Muscle, PlanKeep
    from tests.hostile import ATTRIBUTE, assert_shown_as_text

    treatment = charted_treatment(patient=patient, injector=injector)
    PlanKeep.objects.create(
        plan=treatment.plan,
        muscle=Muscle.objects.get(code="FRONTL"),
        side="R",
        reason=f"holds the brow tail {ATTRIBUTE}",
        created_by=injector,
    )
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment

    img = str(summary(with_rows().get(pk=treatment.pk))["diagram"])
    svg = base64.b64decode(img.split("base64,", 1)[1].split('"', 1)[0]).decode("utf-8")
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own markup: still well formed
    assert [e.get("data-kept") for e in root.iter() if e.get("data-kept")] == ["FRONTL-R"]
    assert_shown_as_text(svg, ATTRIBUTE)
    with django_capture_on_commit_callbacks(execute=True):
        job = requests.request_injection_map(treatment_id=treatment.pk, by=injector)
    job.refresh_from_db()
    assert job.status == Status.DONE
