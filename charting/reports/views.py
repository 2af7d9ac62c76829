"""Report pages: ask for a report, watch its job, download the file.

Thin: access through ``get_job_for`` / ``get_patient_for``, then a call to
``reports.requests``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.events import record
from audit.models import Action
from clinic import once
from clinic.access import get_patient_for, role_required
from clinic.forms import DateRangeForm
from clinic.roles import CLINICAL_ROLES, Role
from planning.asymmetry import SCALE_SENTENCE
from planning.models import Visit

from . import requests
from .access import (
    ONLY_ADMIN_COPY,
    get_job_for,
    get_patient_for_fhir,
    get_patient_for_record,
    may_export_clinic,
    may_give_copy,
)
from .forms import ExportForm, RecordForm, ReleaseForm
from .measured_history import measured_history
from .models import RECORD_KINDS, Kind, RecordRelease, ReportJob
from .storage import private_storage

RECENT = 30


def _recent_jobs(user):
    jobs = ReportJob.objects.for_lists().latest_first()
    if not may_export_clinic(user):
        jobs = jobs.requested_by(user)
    return list(jobs[:RECENT])  # query: the latest jobs with patient and requester


def _list_page(request, export_form, status=200, *, fhir_form=None):
    fhir_form = fhir_form or ExportForm(prefix="fhir")
    return render(
        request,
        "reports/job_list.html",
        {
            "jobs": _recent_jobs(request.user),
            "export_form": export_form if may_export_clinic(request.user) else None,
            "fhir_form": fhir_form if may_export_clinic(request.user) else None,
        },
        status=status,
    )


@role_required(*CLINICAL_ROLES)
def job_list(request):
    return _list_page(request, ExportForm())


@role_required(Role.ADMIN)
@require_POST
def export_history(request):
    form = ExportForm(request.POST)
    if form.is_valid():
        try:
            job = requests.request_history_export(
                by=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(job)
    return _list_page(request, form, status=422)


@role_required(Role.ADMIN)
@require_POST
def export_fhir(request):
    """The clinic's records in the dates as one FHIR R4 Bundle (Celery; a download)."""
    form = ExportForm(request.POST, prefix="fhir")
    if form.is_valid():
        try:
            job = requests.request_fhir_export(
                by=request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(job)
    return _list_page(request, ExportForm(), status=422, fhir_form=form)


@role_required(*CLINICAL_ROLES)
def patient_fhir(request, patient_id: int):
    """One patient's record as a FHIR R4 Bundle: the clinic admin and the treating
    injector only (``get_patient_for_fhir``)."""
    patient = get_patient_for_fhir(request.user, patient_id)  # queries: patient, a visit of theirs
    form = DateRangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            job = requests.request_fhir(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(job)
    jobs = list(  # query: this patient's FHIR exports
        ReportJob.objects.for_patient(patient)
        .filter(kind=Kind.FHIR)
        .for_lists()
        .latest_first()[:RECENT]
    )
    return render(
        request,
        "reports/patient_fhir.html",
        {"patient": patient, "form": form, "jobs": jobs},
        status=422 if form.errors else 200,
    )


def _record_page(request, patient, *, form=None, release_form=None, status=200):
    copy = may_give_copy(request.user)
    jobs = list(  # query: this patient's records and copies (the copy: the admin's only)
        ReportJob.objects.for_patient(patient)
        .filter(kind__in=RECORD_KINDS if copy else [Kind.RECORD])
        .for_lists()
        .latest_first()[:RECENT]
    )
    releases = (  # query: the log of records given out
        list(RecordRelease.objects.for_patient(patient).for_lists()) if copy else []
    )
    given = {r.job_id for r in releases}
    awaiting = [  # the patient's copies made and not yet logged as given, with their deadline
        (job, job.requested_at.date() + datetime.timedelta(days=settings.RECORD_RELEASE_DAYS))
        for job in jobs
        if job.kind == Kind.PATIENT_COPY and job.pk not in given
    ]
    return render(
        request,
        "reports/patient_record.html",
        {
            "patient": patient,
            "form": form or RecordForm(may_give_copy=copy),
            "release_form": (release_form or ReleaseForm(patient=patient)) if copy else None,
            "jobs": jobs,
            "releases": releases,
            "awaiting": awaiting,
            "deadline_days": settings.RECORD_RELEASE_DAYS,
        },
        status=status,
    )


@role_required(*CLINICAL_ROLES)
def patient_record(request, patient_id: int):
    """The complete record (the admin and the treating injector: ``get_patient_for_record``)
    and the patient's copy with the log of records given (the admin)."""
    patient = get_patient_for_record(request.user, patient_id)  # queries: patient, a visit
    if request.method != "POST":
        return _record_page(request, patient)
    form = RecordForm(request.POST, may_give_copy=may_give_copy(request.user))
    # A double submit (two clicks, a second tab) makes one job and one audit line.
    with once.submit_once(request) as submit:
        if submit.earlier:
            messages.info(request, "This record was already asked for; it is made once.")
            return redirect(submit.earlier)
        if form.is_valid():
            try:
                job = requests.request_record(
                    patient=patient,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    audit_trail=form.cleaned_data["audit_trail"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                submit.stored(job.get_absolute_url())
                return redirect(job)
    return _record_page(request, patient, form=form, status=422)


@role_required(Role.ADMIN)
@require_POST
def record_release(request, patient_id: int):
    """Log a record given out (the admin's)."""
    patient = get_patient_for_record(request.user, patient_id)
    if not may_give_copy(request.user):
        raise PermissionDenied(ONLY_ADMIN_COPY)
    form = ReleaseForm(request.POST, patient=patient)
    page = reverse("reports:patient_record", args=[patient.pk])
    with once.submit_once(request) as submit:  # a double submit logs the release once
        if submit.earlier:
            messages.info(request, "This release was already logged; it is stored once.")
            return redirect(submit.earlier)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != once.FIELD}
            try:
                requests.record_release(patient=patient, by=request.user, **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                submit.stored(page)
                messages.success(request, "The release is logged.")
                return redirect(page)
    return _record_page(request, patient, release_form=form, status=422)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@role_required(*CLINICAL_ROLES)
def patient_history(request, patient_id: int):
    patient = get_patient_for(request.user, patient_id)  # query: patient
    form = DateRangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = requests.request_history(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(job)
    jobs = list(  # query: this patient's history reports
        ReportJob.objects.for_patient(patient)
        .filter(kind=Kind.HISTORY)
        .for_lists()
        .latest_first()[:RECENT]
    )
    # Measured asymmetry across visits: query: the patient's visits; query: their photos
    # with their measurements; query (when something was measured): the units charted.
    visits = list(Visit.objects.for_patient(patient).not_cancelled().order_by("date", "id"))
    return render(
        request,
        "reports/patient_history.html",
        {
            "patient": patient,
            "form": form,
            "jobs": jobs,
            "measured_series": measured_history(visits=visits),
            "scale_sentence": SCALE_SENTENCE,
        },
        status=422 if form.errors else 200,
    )


@role_required(*CLINICAL_ROLES)
@require_POST
def injection_map(request, treatment_id: int):
    """Ask for the injection-map PDF of a signed treatment (from the chart page)."""
    from charting.access import get_treatment_for
    from charting.models import Treatment

    visit_id = get_object_or_404(Treatment.objects.only("visit_id"), pk=treatment_id).visit_id
    visit, treatment = get_treatment_for(request.user, visit_id)  # 1 query
    try:
        job = requests.request_injection_map(treatment_id=treatment.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("charting:chart", visit_id=visit.pk)
    return redirect(job)


@role_required(*CLINICAL_ROLES)
@require_POST
def referral_letter(request, step_id: int):
    """Ask for a referral's letter as a PDF (from the letter's page). Injector and
    clinic admin: ``get_next_step_for`` refuses the front desk."""
    from charting.reviews.access import get_next_step_for

    step = get_next_step_for(request.user, step_id)  # query: the step and its people
    with once.submit_once(request) as submit:  # a double submit makes one job
        if submit.earlier:
            messages.info(request, "This letter was already asked for; it is made once.")
            return redirect(submit.earlier)
        try:
            job = requests.request_referral_letter(step=step, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("reviews:next_steps", step.review_id)
        submit.stored(job.get_absolute_url())
    return redirect(job)


@role_required(*CLINICAL_ROLES)
def patient_summary(request, visit_id: int):
    """The patient's summary of a visit (the plan in plain words, what to expect when,
    their questions answered); POST asks for its PDF. Injector and clinic admin only:
    ``get_visit_for`` refuses the front desk."""
    from planning.access import get_visit_for

    from .patient_summary import summary_context

    visit = get_visit_for(request.user, visit_id)  # query: visit, patient, location, injector
    if request.method == "POST":
        with once.submit_once(request) as submit:  # a double submit makes one job
            if submit.earlier:
                messages.info(request, "This summary was already asked for; it is made once.")
                return redirect(submit.earlier)
            try:
                job = requests.request_patient_summary(visit=visit, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                submit.stored(job.get_absolute_url())
                return redirect(job)
    try:
        context = summary_context(visit=visit)
    except ValidationError as exc:
        context = {"visit": visit, "patient": visit.patient, "refused": " ".join(exc.messages)}
    context["jobs"] = list(  # query: this visit's summary PDFs
        ReportJob.objects.for_visit(visit)
        .filter(kind=Kind.PATIENT_SUMMARY)
        .for_lists()
        .latest_first()[:RECENT]
    )
    context["submit_token"] = once.new_token()
    return render(request, "reports/patient_summary.html", context)


@role_required(*CLINICAL_ROLES)
def patient_latest_summary(request, patient_id: int):
    """From the patient page: the summary of the patient's latest treatment (or final
    plan); back to the patient page with a message when there is none."""
    from clinic.access import require_role

    from .patient_summary import latest_explained_visit

    require_role(request.user, CLINICAL_ROLES)
    patient = get_patient_for(request.user, patient_id)  # query: patient
    visit = latest_explained_visit(patient=patient)  # query: the latest explained visit
    if visit is None:
        messages.info(request, "No final plan or signed treatment yet: nothing to explain.")
        return redirect(patient)
    return redirect("reports:patient_summary", visit_id=visit.pk)


@role_required(*CLINICAL_ROLES)
def job_detail(request, job_id: int):
    job = get_job_for(request.user, job_id)
    return render(request, "reports/job_detail.html", {"job": job})


@role_required(*CLINICAL_ROLES)
def job_status(request, job_id: int):
    """The status card alone: htmx polls it while the job is pending."""
    job = get_job_for(request.user, job_id)
    response = render(request, "reports/_job_status.html", {"job": job})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*CLINICAL_ROLES)
@require_POST
def job_retry(request, job_id: int):
    job = get_job_for(request.user, job_id)
    try:
        requests.retry(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The report is queued again.")
    return redirect(job)


@role_required(*CLINICAL_ROLES)
def download(request, job_id: int):
    job = get_job_for(request.user, job_id)
    if not job.is_done:
        messages.error(request, "This report is not ready yet.")
        return redirect(job)
    storage = private_storage()
    if not storage.exists(job.file_name):
        raise Http404("The report file is missing; retry the report.")
    response = FileResponse(
        storage.open(job.file_name, "rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type=job.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    record(request=request, action=Action.DOWNLOAD, obj=job, patient=job.patient_id)
    return response
