"""One renderer per kind of report: the job in, the file's bytes out.

Each renderer reports progress through ``progress(percent)``; the clinic-wide
export also counts patients through ``count(done, total)``.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from clinic.models import Patient

from . import treatments
from .errors import ReportRefused
from .fhir.bundle import NOTHING_FOR_PATIENT, NOTHING_IN_DATES, bundle_of
from .fhir.record import Record, load
from .history_pages import (
    PATIENT_COPY,
    RECORD,
    history_pdf,
    kept_injection_map,
    kept_pdf,
    second_worker,
)
from .letterhead import context_for as letterhead_context
from .models import Kind, ReportJob
from .patient_history import build_history, export_patients
from .patient_summary import summary_context
from .record import build_record
from .rendering import html_to_pdf, render_html


@dataclass
class Output:
    content: bytes
    pages: int
    extension: str  # "pdf", "zip" or "json"


Progress = Callable[[int], None]
Count = Callable[[int, int], None]


def _history_pdf(
    *,
    patient: Patient,
    job: ReportJob,
    progress: Progress | None = None,
    letterhead: dict | None = None,
):
    context = build_history(patient=patient, date_from=job.date_from, date_to=job.date_to)
    if not context["visits"]:
        raise ReportRefused("No visits of this patient in the chosen dates: nothing to export.")
    if progress:
        progress(35)
    # Each signed cycle's pages laid out once and kept; the rest laid out now. A long
    # first render is shared with a second worker when there is one.
    share = second_worker(patient_id=patient.pk, date_from=job.date_from, date_to=job.date_to)
    return history_pdf(context=context, letterhead=letterhead, progress=progress, share=share)


def render_history(job: ReportJob, progress: Progress, count: Count) -> Output:
    pdf = _history_pdf(patient=job.patient, job=job, progress=progress)
    return Output(pdf.content, pdf.pages, "pdf")


def render_history_export(job: ReportJob, progress: Progress, count: Count) -> Output:
    patients = list(export_patients(date_from=job.date_from, date_to=job.date_to))
    if not patients:
        raise ReportRefused("No visits in the chosen dates: nothing to export.")
    count(0, len(patients))
    letterhead = letterhead_context()  # read once for every patient's PDF
    buffer = io.BytesIO()
    pages = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, patient in enumerate(patients, start=1):
            pdf = _history_pdf(patient=patient, job=job, letterhead=letterhead)
            chart = "".join(c for c in patient.chart_number if c.isalnum() or c == "-")
            archive.writestr(f"history-{chart}.pdf", pdf.content)
            pages += pdf.pages
            count(done, len(patients))
    return Output(buffer.getvalue(), pages, "zip")


def render_consent(job: ReportJob, progress: Progress, count: Count) -> Output:
    pdf = treatments.consent_pdf(consent_id=job.subject_id, progress=progress)
    return Output(pdf.content, pdf.pages, "pdf")


def render_injection_map(job: ReportJob, progress: Progress, count: Count) -> Output:
    pdf = treatments.injection_map_pdf(
        treatment_id=job.subject_id, progress=progress, kept=kept_injection_map
    )
    return Output(pdf.content, pdf.pages, "pdf")


def _record_pdf(job: ReportJob, progress: Progress, *, plain: bool) -> Output:
    context = build_record(
        patient=job.patient, plain=plain, audit_trail=job.with_audit_trail and not plain
    )
    progress(40)
    # As the history: each signed cycle's pages laid out once and kept (per document:
    # the record and the patient's copy print a visit differently); the front, the
    # other visits and the audit trail laid out now.
    document = PATIENT_COPY if plain else RECORD
    share = second_worker(
        patient_id=job.patient_id, date_from=None, date_to=None, document=document
    )
    pdf = kept_pdf(context=context, document=document, progress=progress, share=share)
    return Output(pdf.content, pdf.pages, "pdf")


def render_record(job: ReportJob, progress: Progress, count: Count) -> Output:
    """The complete medico-legal record (the audit trail when the job asks for it)."""
    return _record_pdf(job, progress, plain=False)


def render_patient_copy(job: ReportJob, progress: Progress, count: Count) -> Output:
    """The patient's copy: the same record in a plain layout, never the audit trail."""
    return _record_pdf(job, progress, plain=True)


def _fhir_output(record: Record, progress: Progress) -> Output:
    progress(50)
    bundle = bundle_of(record)
    content = json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()
    return Output(content, len(bundle["entry"]), "json")


def render_fhir(job: ReportJob, progress: Progress, count: Count) -> Output:
    """One patient's record (in the dates) as a FHIR Bundle. Without dates a patient
    with no visits is a Bundle of the Patient alone; with dates, nothing in them is
    refused (requests says so before the job is made)."""
    patients = Patient.objects.filter(pk=job.patient_id)
    record = load(patients=patients, date_from=job.date_from, date_to=job.date_to)
    if (job.date_from or job.date_to) and not record.visits:
        raise ReportRefused(NOTHING_FOR_PATIENT)
    return _fhir_output(record, progress)


def render_fhir_export(job: ReportJob, progress: Progress, count: Count) -> Output:
    """The clinic's patients seen in the dates, their records in the dates, one Bundle."""
    patients = export_patients(date_from=job.date_from, date_to=job.date_to)
    record = load(patients=patients, date_from=job.date_from, date_to=job.date_to)
    if not record.patients:
        raise ReportRefused(NOTHING_IN_DATES)
    count(len(record.patients), len(record.patients))
    return _fhir_output(record, progress)


def render_patient_summary(job: ReportJob, progress: Progress, count: Count) -> Output:
    """The patient's summary of the job's visit, on the clinic's letterhead."""
    context = summary_context(visit=job.visit)
    progress(40)
    pdf = html_to_pdf(render_html(template="pdf/patient_summary.html", context=context))
    return Output(pdf.content, pdf.pages, "pdf")


def render_referral_letter(job: ReportJob, progress: Progress, count: Count) -> Output:
    """A referral's letter (a review's next step, ``job.subject_id``) on the letterhead:
    the same text as its page (reviews/_referral_letter.html)."""
    from charting.reviews.models import NextStep

    step = NextStep.objects.select_related(
        "patient", "recorded_by", "review__visit__location", "review__treatment__product"
    ).get(pk=job.subject_id)
    progress(40)
    html = render_html(
        template="pdf/referral_letter.html", context={"step": step, "patient": step.patient}
    )
    pdf = html_to_pdf(html)
    return Output(pdf.content, pdf.pages, "pdf")


RENDERERS: dict[str, Callable[[ReportJob, Progress, Count], Output]] = {
    Kind.HISTORY: render_history,
    Kind.HISTORY_EXPORT: render_history_export,
    Kind.CONSENT: render_consent,
    Kind.INJECTION_MAP: render_injection_map,
    Kind.FHIR: render_fhir,
    Kind.FHIR_EXPORT: render_fhir_export,
    Kind.PATIENT_SUMMARY: render_patient_summary,
    Kind.RECORD: render_record,
    Kind.PATIENT_COPY: render_patient_copy,
    Kind.REFERRAL_LETTER: render_referral_letter,
}
