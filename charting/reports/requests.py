"""Asking for a report: create the job, queue its task after the transaction commits.

Other apps call these (charting: ``request_consent_pdf`` when a consent is
signed, ``request_injection_map`` from the signed treatment page). Bad requests
raise ``ValidationError`` with a message for the user; nothing is created.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.events import record
from audit.models import Action
from charting.reviews.next_steps import referral_refusal
from clinic.models import Patient

from .errors import ReportRefused
from .fhir.bundle import NOTHING_FOR_PATIENT, NOTHING_IN_DATES
from .models import RECORD_KINDS, Kind, RecordRelease, ReportJob, Status
from .patient_history import check_range, export_patients, visits_in_range
from .record import NO_VISITS


def _queue(job: ReportJob) -> None:
    """Queue the job's task once the transaction commits. A broker that does not
    answer never fails the request (the job, and whatever was saved with it, such as
    a signed consent, stay): the job waits, says why, and the sweep queues it again."""
    from .tasks import enqueue

    transaction.on_commit(lambda: enqueue(job.pk))


@transaction.atomic
def request_history(
    *,
    patient: Patient,
    by,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> ReportJob:
    """One patient's treatment history (all visits, or those in the dates)."""
    check_range(date_from=date_from, date_to=date_to)
    if not visits_in_range(patient=patient, date_from=date_from, date_to=date_to).exists():
        raise ValidationError(
            "This patient has no visits in the chosen dates: there is nothing to export."
        )
    job = ReportJob.objects.create(
        kind=Kind.HISTORY, patient=patient, date_from=date_from, date_to=date_to, requested_by=by
    )
    _queue(job)
    return job


@transaction.atomic
def request_history_export(*, by, date_from: datetime.date, date_to: datetime.date) -> ReportJob:
    """The clinic's histories for a date range: one PDF per patient, in a ZIP."""
    check_range(date_from=date_from, date_to=date_to)
    job = ReportJob(kind=Kind.HISTORY_EXPORT, date_from=date_from, date_to=date_to, requested_by=by)
    if not export_patients(date_from=date_from, date_to=date_to).exists():
        raise ValidationError("No visits in the chosen dates: there is nothing to export.")
    job.save()
    _queue(job)
    return job


@transaction.atomic
def request_fhir(
    *,
    patient: Patient,
    by,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> ReportJob:
    """One patient's record as a FHIR R4 Bundle: the whole record (a patient with no
    visits is a Bundle of the Patient alone), or the visits in the dates. Audited as an
    export, in the same transaction. The caller checked access (``access.get_patient_for_fhir``)."""
    check_range(date_from=date_from, date_to=date_to)
    if (date_from or date_to) and not visits_in_range(
        patient=patient, date_from=date_from, date_to=date_to
    ).exists():
        raise ValidationError(NOTHING_FOR_PATIENT)
    job = ReportJob.objects.create(
        kind=Kind.FHIR, patient=patient, date_from=date_from, date_to=date_to, requested_by=by
    )
    _audit_export(job, patient=patient.pk)
    _queue(job)
    return job


@transaction.atomic
def request_fhir_export(*, by, date_from: datetime.date, date_to: datetime.date) -> ReportJob:
    """The clinic's records in the dates (every patient with a visit in them) as one
    FHIR R4 Bundle; the clinic admin's (the view says so). Audited as an export."""
    check_range(date_from=date_from, date_to=date_to)
    if not export_patients(date_from=date_from, date_to=date_to).exists():
        raise ValidationError(NOTHING_IN_DATES)
    job = ReportJob.objects.create(
        kind=Kind.FHIR_EXPORT, date_from=date_from, date_to=date_to, requested_by=by
    )
    _audit_export(job, patient=None)
    _queue(job)
    return job


@transaction.atomic
def request_record(*, patient: Patient, by, kind: str, audit_trail: bool = False) -> ReportJob:
    """The complete record (``Kind.RECORD``; with its audit trail when asked) or the
    patient's copy (``Kind.PATIENT_COPY``, never with the audit trail) of every visit.
    Audited as an export, in the same transaction. The caller checked access
    (``access.get_patient_for_record``; the copy: ``access.may_give_copy``)."""
    if kind not in RECORD_KINDS:
        raise ValidationError("Choose the complete record or the patient's copy.")
    if not visits_in_range(patient=patient, date_from=None, date_to=None).exists():
        raise ValidationError(NO_VISITS)
    job = ReportJob.objects.create(
        kind=kind,
        patient=patient,
        requested_by=by,
        with_audit_trail=audit_trail and kind == Kind.RECORD,
    )
    _audit_export(job, patient=patient.pk, format="PDF")
    _queue(job)
    return job


@transaction.atomic
def record_release(*, patient: Patient, by, **fields) -> RecordRelease:
    """Log a record given out (when, to whom, how, by whom), audited as an export.
    ``fields``: requested_on, given_on, given_to, method, note, job (of this patient)."""
    job = fields.get("job")
    if job is not None and (job.patient_id != patient.pk or job.kind not in RECORD_KINDS):
        raise ValidationError({"job": "Choose a record or a copy made for this patient."})
    release = RecordRelease(patient=patient, given_by=by, **fields)
    release.full_clean()
    release.save()
    record(
        action=Action.EXPORT,
        obj=release,
        patient=patient.pk,
        actor=by,
        detail={"kind": "record_release", "method": release.method, "job": release.job_id},
    )
    return release


def _audit_export(
    job: ReportJob, *, patient: int | None, format: str = "FHIR R4 Bundle (JSON)"
) -> None:
    record(
        action=Action.EXPORT,
        obj=job,
        patient=patient,
        actor=job.requested_by,
        detail={
            "kind": job.kind,
            "format": format,
            "date_from": job.date_from.isoformat() if job.date_from else None,
            "date_to": job.date_to.isoformat() if job.date_to else None,
        },
    )


@transaction.atomic
def request_session_report(*, kind: str, visit, subject_id: int, by) -> ReportJob:
    """A consent or injection-map PDF (``reports.treatments`` checks the subject)."""
    job = ReportJob.objects.create(
        kind=kind, patient_id=visit.patient_id, visit=visit, subject_id=subject_id, requested_by=by
    )
    _queue(job)
    return job


@transaction.atomic
def request_patient_summary(*, visit, by) -> ReportJob:
    """The patient's summary of ``visit`` as a PDF; refused (nothing created) when the
    visit has no final plan and no signed treatment. The caller checked access."""
    from .patient_summary import build_summary

    build_summary(visit=visit)  # ReportRefused (a ValidationError) when nothing to explain
    job = ReportJob.objects.create(
        kind=Kind.PATIENT_SUMMARY, patient_id=visit.patient_id, visit=visit, requested_by=by
    )
    _queue(job)
    return job


@transaction.atomic
def retry(*, job: ReportJob) -> ReportJob:
    """Queue a failed job again (its old file, if any, is replaced when it finishes)."""
    job = ReportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != Status.FAILED:
        raise ValidationError("Only a failed report can be retried.")
    job.status, job.progress, job.error = Status.QUEUED, 0, ""
    job.items_done, job.started_at, job.finished_at = 0, None, None
    job.heartbeat_at = job.worker_lost_at = None
    job.save(
        update_fields=[
            "status",
            "progress",
            "error",
            "items_done",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "worker_lost_at",
        ]
    )
    _queue(job)
    return job


def request_consent_pdf(*, consent_id: int, by) -> ReportJob:
    """Charting calls this (on commit) when a patient signs a consent."""
    from charting.models import Consent

    consent = Consent.objects.select_related("visit").get(pk=consent_id)
    return request_session_report(
        kind=Kind.CONSENT, visit=consent.visit, subject_id=consent.pk, by=by
    )


def request_referral_letter(*, step, by) -> ReportJob:
    """The referral letter of a review's next step as a PDF on the letterhead; a step
    that is not a referral is refused (nothing created). The caller checked access."""
    if refusal := referral_refusal(step):
        raise ReportRefused(refusal)
    return request_session_report(
        kind=Kind.REFERRAL_LETTER, visit=step.review.visit, subject_id=step.pk, by=by
    )


def request_injection_map(*, treatment_id: int, by) -> ReportJob:
    """The injection-map PDF of a signed treatment; an unsigned one is refused."""
    from charting.models import Treatment

    from .treatments import NOT_SIGNED

    treatment = Treatment.objects.select_related("visit").get(pk=treatment_id)
    if treatment.signed_at is None:
        raise ValidationError(NOT_SIGNED)
    return request_session_report(
        kind=Kind.INJECTION_MAP, visit=treatment.visit, subject_id=treatment.pk, by=by
    )
