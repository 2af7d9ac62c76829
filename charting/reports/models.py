"""Report jobs: one row per PDF (or ZIP of PDFs) asked for, rendered by Celery.

The file lives in the "private" storage (outside every URL) and is served only
by ``reports.views.download`` after ``reports.access.get_job_for``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clinic.input_bounds import no_control_characters

from .summary_wording import check_placeholders


class Kind(models.TextChoices):
    CONSENT = "consent", "Consent"
    INJECTION_MAP = "injection_map", "Injection map"
    HISTORY = "history", "Treatment history"
    HISTORY_EXPORT = "history_export", "Treatment history export (all patients)"
    FHIR = "fhir", "FHIR R4 export"
    FHIR_EXPORT = "fhir_export", "FHIR R4 export (all patients)"
    PATIENT_SUMMARY = "patient_summary", "Patient summary"
    RECORD = "record", "Complete medico-legal record"
    PATIENT_COPY = "patient_copy", "Patient's copy of the record"
    REFERRAL_LETTER = "referral_letter", "Referral letter"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


PENDING = (Status.QUEUED, Status.RUNNING)
# Kinds about a single patient; the export covers the whole clinic.
PATIENT_KINDS = (
    Kind.CONSENT,
    Kind.INJECTION_MAP,
    Kind.HISTORY,
    Kind.PATIENT_SUMMARY,
    Kind.RECORD,
    Kind.PATIENT_COPY,
    Kind.REFERRAL_LETTER,
)
# The clinic-wide kinds: every patient with a visit in the dates (both dates needed).
CLINIC_KINDS = (Kind.HISTORY_EXPORT, Kind.FHIR_EXPORT)
# The structured exports (charting.reports.fhir): one FHIR Bundle in JSON.
FHIR_KINDS = (Kind.FHIR, Kind.FHIR_EXPORT)
# The complete record (charting.reports.record): the admin's and the treating injector's;
# the patient's copy (right of access) is the admin's alone.
RECORD_KINDS = (Kind.RECORD, Kind.PATIENT_COPY)

# Kinds about one consent, one treatment or one referral (a review's next step,
# ``subject_id``) of one visit.
SUBJECT_KINDS = (Kind.CONSENT, Kind.INJECTION_MAP, Kind.REFERRAL_LETTER)


# Said on a queued job whose task could not be sent (charting.reports.requests.enqueue).
BROKER_DOWN = (
    "Queued; the worker is unreachable just now. It will start when it is back (checked "
    "every minute)."
)


class ReportJobQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=PENDING)

    def requested_by(self, user):
        return self.filter(requested_by=user)

    def for_patient(self, patient):
        return self.filter(patient=patient)

    def for_visit(self, visit):
        return self.filter(visit=visit)

    def latest_first(self):
        return self.order_by("-requested_at", "-id")

    def for_lists(self):
        return self.select_related("patient", "requested_by")

    def waiting_for_broker(self):
        """Queued jobs whose task could not be sent: the sweep sends them again."""
        return self.filter(status=Status.QUEUED, error=BROKER_DOWN)

    def stuck(self, *, started_before):
        """Running jobs that started before the cut-off: their worker is gone."""
        return self.filter(status=Status.RUNNING, started_at__lt=started_before)

    def lost(self, *, heartbeat_before):
        """Running jobs whose attempt stopped beating (a row from before heartbeats:
        its start counts as its last beat)."""
        return (
            self.filter(status=Status.RUNNING)
            .alias(last_beat=Coalesce("heartbeat_at", "started_at"))
            .filter(last_beat__lt=heartbeat_before)
        )


class ReportJob(models.Model):
    # The audit log's way from a row to its patient (audit.subjects).
    audit_patient = "patient_id"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100.")
    # The subject: the patient (all kinds but the clinic-wide export), the visit
    # a consent or treatment belongs to, and that consent's or treatment's id.
    patient = models.ForeignKey(
        "clinic.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        "planning.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    subject_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The consent's or the treatment's id."
    )
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Written by the running attempt every few seconds (reports.jobs.heartbeat).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the sweep last found the worker gone and queued the job again.
    worker_lost_at = models.DateTimeField(null=True, blank=True)
    # The attempt that holds the job: a second delivery of the same task finds
    # the job done, or takes it over; only the holder may finish it.
    run_token = models.CharField(max_length=32, blank=True)
    items_total = models.PositiveIntegerField(default=0, help_text="Patients, for an export.")
    items_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True, help_text="In private storage.")
    file_size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The complete record only: print the record's audit trail (who opened or changed it).
    with_audit_trail = models.BooleanField(default=False, db_default=False)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="reportjob_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="reportjob_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="reportjob_progress_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=F("date_to")),
                name="reportjob_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.DONE) | ~Q(file_name=""),
                name="reportjob_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CLINIC_KINDS, patient__isnull=True)
                & Q(date_from__isnull=False, date_to__isnull=False)
                | Q(kind__in=(*PATIENT_KINDS, Kind.FHIR), patient__isnull=False),
                name="reportjob_subject_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=SUBJECT_KINDS)
                | Q(subject_id__isnull=False, visit__isnull=False),
                name="reportjob_session_kinds_have_subject",
            ),
        ]
        indexes = [
            # The sweep of stuck jobs: running ones by start time (few rows).
            models.Index(
                fields=["started_at"],
                condition=Q(status="running"),
                name="reportjob_running_idx",
            ),
            # The reports page: a user's own jobs, newest first.
            models.Index(fields=["requested_by", "-requested_at"], name="reportjob_user_idx"),
            # A patient's or a visit's reports (patient page, treatment page).
            models.Index(fields=["patient", "kind", "-requested_at"], name="reportjob_patient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} job {self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("reports:job_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE

    @property
    def restarted_at(self):
        """When the attempt after a lost worker started (None while it waits)."""
        if self.worker_lost_at and self.started_at and self.started_at >= self.worker_lost_at:
            return self.started_at
        return None

    @property
    def is_archive(self) -> bool:
        return self.kind == Kind.HISTORY_EXPORT

    @property
    def is_clinic_wide(self) -> bool:
        return self.kind in CLINIC_KINDS

    @property
    def is_fhir(self) -> bool:
        return self.kind in FHIR_KINDS

    @property
    def extension(self) -> str:
        return "json" if self.is_fhir else "zip" if self.is_archive else "pdf"

    @property
    def content_type(self) -> str:
        if self.is_fhir:
            return "application/fhir+json"
        return "application/zip" if self.is_archive else "application/pdf"

    @property
    def download_name(self) -> str:
        """The file name the browser saves: kind, chart number or dates, job id."""
        stem = self.kind.replace("_", "-")
        if self.is_clinic_wide:
            dates = f"{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}"
            return f"{stem}-{dates}-{self.pk}.{self.extension}"
        chart = "".join(c for c in self.patient.chart_number if c.isalnum() or c == "-")
        return f"{stem}-{chart}-{self.pk}.{self.extension}"


class Paper(models.TextChoices):
    # The values are CSS page sizes (WeasyPrint's @page size), written into each PDF.
    LETTER = "letter", "US Letter (8.5 × 11 in)"
    A4 = "A4", "A4 (210 × 297 mm)"


class Letterhead(models.Model):
    """The clinic's letterhead and paper, on every PDF (one row; edited in the
    Django admin, the logo through the photos' cleaning: ``reports.letterhead``)."""

    audit_patient = None  # the clinic's, no patient's

    name = models.CharField(
        max_length=120, blank=True, help_text="Empty: the site's name (settings.CLINIC_NAME)."
    )
    address = models.TextField(max_length=400, blank=True, help_text="As printed, line by line.")
    phone = models.CharField(max_length=40, blank=True)
    # A name inside the private storage (a cleaned JPEG, no metadata); never under MEDIA_URL.
    logo_name = models.CharField(max_length=200, blank=True, editable=False)
    paper = models.CharField(
        "paper size", max_length=10, choices=Paper.choices, default=Paper.LETTER
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="letterhead_is_one_row")
        ]

    def __str__(self) -> str:
        return "The clinic's letterhead and paper"

    def clean(self):
        errors = {}
        for name, multiline in (("name", False), ("phone", False), ("address", True)):
            try:
                no_control_characters(getattr(self, name), multiline=multiline)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)


class WordingKind(models.TextChoices):
    MUSCLE = "muscle", "Muscle in lay words"
    SHORT = "short", "Muscle's short name"
    REASON = "reason", "Reason for a dose per side"
    KEPT = "kept", "What is left untreated, and why"
    QUESTION = "question", "A patient's question"
    ANSWER = "answer", "The answer to a patient's question"
    TIMELINE = "timeline", "What to expect, when"


class SummaryWording(models.Model):
    """One sentence of the patient summary (``reports.patient_summary``), as the
    clinic words it: a muscle in lay words, a reason for a dose per side, what is
    left untreated and why, a question, a step of the timeline. The defaults come
    from ``reports.summary_wording`` (loaded by a migration); the clinic edits them
    in the Django admin. Placeholders in braces (``{your_side}``) are filled from
    the patient's plan; only those of the key may be used (checked on save)."""

    audit_patient = None  # the clinic's wording, no patient's

    kind = models.CharField(max_length=10, choices=WordingKind.choices)
    key = models.CharField(max_length=30, help_text="A muscle code (CORR) or the reason's key.")
    text = models.TextField(max_length=600)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="summarywording_one_per_key"),
            models.CheckConstraint(
                condition=Q(kind__in=WordingKind.values), name="summarywording_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"

    def clean(self):
        try:
            no_control_characters(self.text, multiline=True)
        except ValidationError as exc:
            raise ValidationError({"text": exc.messages}) from exc
        problem = check_placeholders(kind=self.kind, key=self.key, text=self.text)
        if problem:
            raise ValidationError({"text": problem})


class ReleaseMethod(models.TextChoices):
    IN_PERSON = "in_person", "Handed over in person"
    EMAIL = "email", "Sent by secure email"
    POST = "post", "Sent by post"
    PORTAL = "portal", "Download link given"


class RecordReleaseQuerySet(models.QuerySet):
    def for_patient(self, patient):
        return self.filter(patient=patient)

    def for_lists(self):
        return self.select_related("given_by", "job").order_by("-given_on", "-id")


class RecordRelease(models.Model):
    """The log of a record given out (right of access, a lawyer, another clinic): when,
    to whom, by whom and how; shown on the patient's record page (``reports.record``)."""

    audit_patient = "patient_id"

    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT, related_name="+")
    # The rendered copy that was given (a record or a patient's copy of this patient).
    job = models.ForeignKey(
        ReportJob, null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )
    requested_on = models.DateField(help_text="When the patient (or whoever) asked for it.")
    given_on = models.DateField()
    given_to = models.CharField(max_length=200, help_text="The patient, or who received it.")
    method = models.CharField(max_length=12, choices=ReleaseMethod.choices)
    note = models.CharField(max_length=300, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RecordReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=ReleaseMethod.values), name="recordrelease_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(given_on__gte=F("requested_on")),
                name="recordrelease_given_after_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Record given on {self.given_on:%Y-%m-%d}"

    @property
    def due_on(self):
        """The clinic's deadline for giving it (settings.RECORD_RELEASE_DAYS from the request)."""
        return self.requested_on + datetime.timedelta(days=settings.RECORD_RELEASE_DAYS)

    @property
    def late(self) -> bool:
        return self.given_on > self.due_on

    def clean(self):
        errors = {}
        for name in ("given_to", "note"):
            try:
                no_control_characters(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if self.given_on and self.given_on > timezone.localdate():
            errors["given_on"] = ["The day it was given cannot be in the future."]
        elif self.given_on and self.requested_on and self.given_on < self.requested_on:
            errors["given_on"] = ["The day it was given is before the day it was asked for."]
        if errors:
            raise ValidationError(errors)


class HistoryPart(models.Model):
    """The pages of one signed treatment in the treatment history, the complete
    record or the patient's copy (``document``), or its injection map
    (``"injection-map"``, the whole report but its time of making), or a patient's
    front matter of a document (``patient``, no treatment; the history's and the
    patient's copy's, but its time of making), rendered once and kept in the
    private storage (``charting.reports.history_pages``).

    ``key`` is the SHA-256 of everything printed on those pages (the visit's
    HTML, with the seal's verification as checked on the read that made it, the
    addenda and the review; the paper, the stylesheet and the renderer's
    version), so a new addendum or review is a new key and the old row simply
    stops being asked for (``manage.py sweep_history_parts``). ``digest`` is an
    HMAC of the stored bytes: a file changed in storage is never served.
    """

    key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)  # in the private storage
    digest = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()
    outline = models.JSONField(default=list, blank=True)  # [[page, level, label], ...]
    # None for a document's front matter (history_pages.kept_front): the patient's
    treatment = models.ForeignKey(
        "charting.Treatment", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    patient = models.ForeignKey(
        "clinic.Patient", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    # history_pages.DOCUMENTS: "history", "record", "record-plain" (printed differently);
    # "injection-map" (history_pages.kept_report); "<document>-front" (kept_front)
    document = models.CharField(max_length=20, default="history")
    renders = models.PositiveIntegerField(default=1)  # rendered for this key (again: tampered)
    uses = models.PositiveIntegerField(default=0)  # served from storage
    rendered_by = models.CharField(max_length=100, blank=True)  # host:pid (a shared first render)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"history part {self.key[:12]} (treatment {self.treatment_id})"
