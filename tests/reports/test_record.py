"""The complete medico-legal record and the patient's copy (issue 23), read back from
the PDF with pypdf.

Doors of the record's rules: the record page (GET, POST), the release log (POST), the
job page and the download of a made record or copy, the Celery task (renders whatever
job it is given: the door is the request), the Django admin (RecordRelease is not
registered read-only: list and filters, never add, change or delete; ReportJob's admin
is the existing one), demo data (none made), a second tab
or a double submit (a second job or a second release line, each audited: nothing is
half-made).
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import MarginBox, TextBox

from audit.models import Action, AuditEvent
from charting.reports import requests
from charting.reports.documents import render_patient_copy, render_record
from charting.reports.errors import ReportRefused
from charting.reports.history_pages import PATIENT_COPY, RECORD
from charting.reports.models import (
    HistoryPart,
    Kind,
    RecordRelease,
    ReleaseMethod,
    ReportJob,
    Status,
)
from charting.reports.patient_history import build_history
from charting.reports.record import DOES_NOT_VERIFY, NO_VISITS, VERIFIES, build_record
from charting.reports.rendering import RestrictedURLFetcher, render_html, render_pdf
from charting.reports.storage import private_storage
from charting.reviews.review import sign_review
from charting.signing import add_addendum, sign_treatment
from clinic.roles import Role
from planning.choices import VisitKind
from tests.charting.test_seal_verified_on_read import tamper
from tests.conftest import need
from tests.factories import (
    PatientFactory,
    UserFactory,
    charted_treatment,
    make_lot,
    make_report_job,
    make_vial,
    signed_treatment,
    treatment_visit,
)
from tests.factories.clinic import PASSWORD
from tests.factories.planning import make_photo, make_visit, measured_photo
from tests.factories.reviews import graded_review, touch_up
from tests.reports.pdfs import flat_text, stored_report

pytestmark = pytest.mark.django_db


def _noop(*args) -> None:
    """Progress and count callbacks of a renderer called outside a worker."""


def make_cycle(*, patient, injector, n: int, photos: bool = True, addendum_lines: int = 0):
    """One cycle: a treatment charted from its plan with the patient's consent, a
    baseline photo, signed; an addendum under it; the review at two weeks with a
    review photo and a 2 U touch-up from its own lot, signed."""
    vial = make_vial(lot=make_lot(number=f"CY{n}-LOT"), by=injector)
    treatment = charted_treatment(patient=patient, injector=injector, vial=vial)
    if photos:
        make_photo(visit=treatment.visit)
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    text = f"Addendum of cycle {n}" + "\nline" * addendum_lines
    add_addendum(treatment=treatment, reason=f"Late note {n}", text=text, by=injector)
    review = graded_review(treatment=treatment, injector=injector)
    if photos:
        make_photo(visit=review.visit)
    touch_up(
        review=review, vial=make_vial(lot=make_lot(number=f"TU{n}-LOT"), by=injector), by=injector
    )
    sign_review(review=review, by=injector, password=PASSWORD)
    return treatment


@pytest.fixture
def three_cycles(patient, injector):
    return [make_cycle(patient=patient, injector=injector, n=n) for n in (1, 2, 3)]


def record_job(patient, by, kind=Kind.RECORD, **fields) -> ReportJob:
    return make_report_job(by=by, patient=patient, kind=kind, **fields)


def record_text(patient, by, **fields) -> str:
    output = render_record(record_job(patient, by, **fields), _noop, _noop)
    return flat_text(output.content)


VISIT_HEADING = re.compile(
    r"^[A-Z][a-z]{2} \d{1,2}, \d{4} · (Consultation|Treatment|Review|Two-week review)"
)


def body_lines(content: bytes, patient) -> list[list[str]]:
    """Each page's text lines without the running header and footer lines."""
    running = f"{patient.full_name} · {patient.chart_number}"
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        pages.append([line for line in lines if running not in line and "Page " not in line])
    return pages


def headings_alone(content: bytes, patient) -> list[str]:
    """Visit headings with nothing under them: one followed at once by the next."""
    found = []
    for number, lines in enumerate(body_lines(content, patient), start=1):
        for line, after in zip(lines, lines[1:], strict=False):
            if VISIT_HEADING.match(line) and VISIT_HEADING.match(after):
                found.append(f"page {number}: {line!r} has nothing under it")
    return found


def _is_heading(box, inside: bool) -> bool:
    element = getattr(box, "element", None)
    classes = (element.get("class") or "").split() if element is not None else []
    # a visit's heading line, and the review's opening block (its date and who signed:
    # it introduces the findings below it, issue 23's orphan)
    return (
        inside
        or box.element_tag in ("h1", "h2", "h3", "h4")
        or bool({"visit-entry-head", "review"} & set(classes))
    )


def _texts(box, inside=False):
    """The text boxes of a laid-out page in order, each with whether it is a heading's."""
    inside = _is_heading(box, inside)
    if isinstance(box, TextBox):
        if box.text.strip():
            yield box.text, inside
        return
    for child in getattr(box, "children", ()):
        if not isinstance(child, MarginBox):
            yield from _texts(child, inside)


def orphaned_headings(html: str) -> list[str]:
    """Pages whose last text is a heading's (WeasyPrint's own layout, not the PDF's
    text order, which puts a diagram's labels last)."""
    document = HTML(string=html, url_fetcher=RestrictedURLFetcher()).render()
    found = []
    for number, page in enumerate(document.pages, start=1):
        texts = list(_texts(page._page_box))
        if texts and texts[-1][1] and number < len(document.pages):
            found.append(f"page {number} ends on the heading {texts[-1][0]!r}")
    return found


def test_the_record_of_three_cycles_has_every_consent_addendum_and_verification(
    three_cycles, patient, clinic_admin
):
    text = record_text(patient, clinic_admin)
    assert text.count("Consent · text version 1 · ") == 3
    assert text.count(f"Patient's signature {patient.full_name} Signed") == 3
    assert text.count("Witness Ina Tester") == 3
    for n in (1, 2, 3):
        # the addendum in place: after its treatment's lot, before its review
        lot, note, review = (
            text.index(s) for s in (f"CY{n}-LOT", f"Addendum of cycle {n}", f"TU{n}-LOT")
        )
        assert lot < note < review, n
        assert f"Late note {n}" in text
    # one statement per signed record: three treatments and three touch-ups
    assert text.count(VERIFIES) == 6
    assert text.count("Touch-up at the review of") == 3
    assert "DOES NOT VERIFY" not in text
    assert "Photos · baseline and review side by side" in text
    assert "Audit trail" not in text  # not asked for


def test_a_tampered_signed_record_prints_that_it_does_not_verify(
    three_cycles, patient, clinic_admin
):
    """Guard (tampering): units changed behind the locks, as a database superuser would
    (the lock triggers off). Seen to fail: with ``record._verifications`` taking every
    seal as good (``ok=True``), the record printed six "Verified" lines over 40 U."""
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    changed = three_cycles[1].injections.first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [changed.pk])
    text = record_text(patient, clinic_admin)
    assert text.count(DOES_NOT_VERIFY) == 1
    assert text.count(VERIFIES) == 5
    signed = three_cycles[1]
    label = (
        f"Treatment of {signed.visit.date:%b %-d, %Y}, signed by Ina Tester at "
        f"{timezone.localtime(signed.signed_at):%b %-d, %Y %H:%M}"
    )
    assert f"{label}: {DOES_NOT_VERIFY}" in text
    event = AuditEvent.objects.filter(action=Action.MISMATCH).latest("pk")
    assert event.object_id == str(three_cycles[1].pk)


# --- Kept parts (history_pages, as the history's) --------------------------------------


def record_parts(document=RECORD) -> dict[int, HistoryPart]:
    return {p.treatment_id: p for p in HistoryPart.objects.filter(document=document.name)}


def test_a_second_record_reuses_the_kept_parts_and_its_audit_trail_is_read_again(
    three_cycles, patient, clinic_admin
):
    """Each signed cycle (the treatment's visit, and the review visit that only points
    back to it) is laid out once and kept; a second record reads the parts from
    storage and lays out only the front and the audit trail, which grew: the export
    itself is audited between the two."""
    first = record_text(patient, clinic_admin, with_audit_trail=True)
    parts = record_parts()
    assert set(parts) == {t.pk for t in three_cycles}
    assert all(p.renders == 1 and p.uses == 0 for p in parts.values())

    requests.request_record(patient=patient, by=clinic_admin, kind=Kind.RECORD, audit_trail=True)
    second = record_text(patient, clinic_admin, with_audit_trail=True)
    again = record_parts()
    assert again.keys() == parts.keys()
    assert all(p.renders == 1 and p.uses == 1 for p in again.values())  # read, not laid out
    assert HistoryPart.objects.filter(document=RECORD.name).count() == 3
    # The same record for a reader: every consent, addendum and verification line.
    for text in (first, second):
        assert text.count("Consent · text version 1 · ") == 3
        assert text.count(VERIFIES) == 6 and "DOES NOT VERIFY" not in text
        assert all(f"Addendum of cycle {n}" in text for n in (1, 2, 3))
        assert "Audit trail · who opened or changed this record" in text
    assert second.count("Exported") == first.count("Exported") + 1  # the trail is live
    content = render_record(record_job(patient, clinic_admin), _noop, _noop).content
    reader = PdfReader(io.BytesIO(content))
    for number, page in enumerate(reader.pages, start=1):
        page_text = " ".join(page.extract_text().split())
        assert f"Page {number} of {len(reader.pages)}" in page_text
        assert "Complete record · generated" in page_text
    assert headings_alone(content, patient) == []

    # The patient's copy prints the cycles in its own layout: parts of its own.
    copy = flat_text(
        render_patient_copy(
            record_job(patient, clinic_admin, kind=Kind.PATIENT_COPY), _noop, _noop
        ).content
    )
    assert set(record_parts(PATIENT_COPY)) == {t.pk for t in three_cycles}
    assert "Your treatment record · generated" in copy and "Audit trail" not in copy
    assert record_parts()[three_cycles[0].pk].uses == 2  # the record's parts untouched


def test_a_tampered_signed_record_does_not_verify_though_its_part_was_kept(
    three_cycles, patient, clinic_admin
):
    """Guard (tampering), with the record's parts kept: the seal is checked on every
    read and the part's key is what it prints, so a kept "Verified" page is never
    served for a record that no longer matches, and a failing cycle is never kept.
    Doors: the record page's complete record and patient's copy (the task), a second
    worker (the same ``runs_of``). Seen to fail: with ``keepable`` taking every signed
    treatment (the seal not asked), the failing cycle was kept (a second part); with
    that and the key made from the treatment alone, the record printed six "Verified"
    lines over 40 U."""
    need(settings.DATABASE_IS_POSTGRES, "the lock triggers and replica mode are PostgreSQL's")
    assert record_text(patient, clinic_admin).count(VERIFIES) == 6
    changed = three_cycles[1]
    kept = record_parts()[changed.pk]
    tamper(
        "UPDATE charting_injection SET units = 40 WHERE id = %s",
        [changed.injections.first().pk],
    )
    label = (
        f"Treatment of {changed.visit.date:%b %-d, %Y}, signed by Ina Tester at "
        f"{timezone.localtime(changed.signed_at):%b %-d, %Y %H:%M}"
    )
    for _ in range(2):
        text = record_text(patient, clinic_admin)
        assert f"{label}: {DOES_NOT_VERIFY}" in text
        assert text.count(DOES_NOT_VERIFY) == 1 and text.count(VERIFIES) == 5
    kept.refresh_from_db()
    assert kept.uses == 0  # the "Verified" part was never served again
    assert HistoryPart.objects.filter(document=RECORD.name, treatment=changed).count() == 1
    assert all(p.uses == 2 for t, p in record_parts().items() if t != changed.pk)


def test_a_first_record_shared_with_a_second_worker_lays_each_cycle_out_once(
    three_cycles, patient, settings
):
    """The claim protocol of ``kept_parts(share=...)`` for the record: the helper task
    (``help_render_history`` with the document's name; here run as the share is sent,
    so it claims every chunk first) builds the record as the asking worker did, finds
    the same keys, lays out and stores the parts; the asking render reads them."""
    from charting.reports import history_pages

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    history_pages.CHUNK, saved = 1, history_pages.CHUNK  # three chunks of one cycle
    helped = []

    def share(render, chunks):
        assert len(chunks) == 3
        helped.append(
            history_pages.help_render_history(
                patient_id=patient.pk,
                date_from=None,
                date_to=None,
                render=render,
                chunks=chunks,
                document=RECORD.name,
            )
        )

    try:
        pdf = history_pages.kept_pdf(
            context=build_record(patient=patient, audit_trail=True), document=RECORD, share=share
        )
    finally:
        history_pages.CHUNK = saved
    assert helped == [3]
    parts = record_parts()
    assert len(parts) == 3 and all(p.renders == 1 and p.uses == 0 for p in parts.values())
    text = flat_text(pdf.content)
    assert text.count(VERIFIES) == 6 and "Audit trail · who opened or changed this record" in text
    assert f"Page {pdf.pages} of {pdf.pages}" in text


@pytest.fixture
def gaps(patient, injector):
    """The issue's empty headings: a treatment reviewed without a touch-up (its review
    visit has nothing of its own) and a consultation where nothing was recorded."""
    treatment = signed_treatment(patient=patient, injector=injector)
    review = graded_review(treatment=treatment, injector=injector)
    sign_review(review=review, by=injector, password=PASSWORD)
    make_visit(patient=patient, injector=injector, kind=VisitKind.CONSULTATION)
    return review


def test_no_heading_prints_without_content_in_the_record(gaps, patient, clinic_admin):
    """Seen to fail: with the record's ``has_content`` condition taken out, the empty
    consultation's heading printed with the next visit's heading under it."""
    content = render_record(record_job(patient, clinic_admin), _noop, _noop).content
    assert headings_alone(content, patient) == []
    text = flat_text(content)
    assert "Consultation" not in text  # the empty visit has no heading
    assert "No touch-up was given." in text
    assert "The review's findings and touch-up are shown with the treatment of" in text


def test_no_heading_prints_without_content_in_the_history(gaps, patient):
    """Issue 23, fix 3 (the history PDF, Jun 9 and Sep 27): a review visit without a
    touch-up says where its review is; a visit with nothing has no heading. Seen to
    fail: without the review visit's pointer in ``treatments.attach`` the review
    visit said nothing of where its review is; without the heading condition in
    history.html the empty consultation's heading stood alone on page 2."""
    pdf = render_pdf(template="pdf/history.html", context=build_history(patient=patient))
    assert headings_alone(pdf.content, patient) == []
    text = flat_text(pdf.content)
    assert "The review's findings and touch-up are shown with the treatment of" in text


def test_headings_keep_with_what_follows_at_a_page_end(patient, injector):
    """No orphaned heading (CSS ``break-after: avoid`` on headings and on the review's
    opening block). Two cycles whose addenda are long enough to bring the review's
    opening block (its date, who signed, GAIS) to a page's foot, as in the issue.
    Seen to fail: without the rules, two of the record's pages (the first: page 3)
    ended on it, its findings on the next page; the history at the same length too."""
    for n in (1, 2):
        make_cycle(patient=patient, injector=injector, n=n, photos=False, addendum_lines=42)
    record = render_html(template="pdf/record.html", context=build_record(patient=patient))
    history = render_html(template="pdf/history.html", context=build_history(patient=patient))
    assert orphaned_headings(record) == []
    assert orphaned_headings(history) == []


def test_the_audit_trail_is_printed_when_asked_and_never_in_the_patients_copy(
    patient, injector, clinic_admin
):
    make_cycle(patient=patient, injector=injector, n=1, photos=False)
    requests.request_record(patient=patient, by=clinic_admin, kind=Kind.RECORD, audit_trail=True)
    text = record_text(patient, clinic_admin, with_audit_trail=True)
    assert "Audit trail · who opened or changed this record" in text
    assert "Exported" in text and "Ada" in text
    copy = flat_text(
        render_patient_copy(
            record_job(patient, clinic_admin, kind=Kind.PATIENT_COPY, with_audit_trail=True),
            _noop,
            _noop,
        ).content
    )
    assert "Your treatment record" in copy and "RIGHT OF ACCESS" in copy
    assert "Consent · text version 1" in copy and "Addendum of cycle 1" in copy
    assert "Audit trail" not in copy


def test_a_patient_with_no_visits_is_a_message_not_a_job(admin_client):
    patient = PatientFactory()
    response = admin_client.post(
        reverse("reports:patient_record", args=[patient.pk]), {"kind": Kind.RECORD}
    )
    assert response.status_code == 422
    assert NO_VISITS in response.content.decode()
    assert not ReportJob.objects.filter(patient=patient).exists()
    with pytest.raises(ReportRefused):
        build_record(patient=patient)


def test_asking_for_the_record_is_audited_and_renders(
    admin_client, patient, injector, django_capture_on_commit_callbacks
):
    make_cycle(patient=patient, injector=injector, n=1, photos=False)
    url = reverse("reports:patient_record", args=[patient.pk])
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly
        response = admin_client.post(url, {"kind": Kind.RECORD, "audit_trail": "on"})
    job = ReportJob.objects.get(patient=patient, kind=Kind.RECORD)
    assert response.status_code == 302 and job.with_audit_trail
    job.refresh_from_db()
    assert job.status == Status.DONE and job.pages >= 2
    event = AuditEvent.objects.get(action=Action.EXPORT, object_id=str(job.pk))
    assert event.patient_id == patient.pk and event.detail["kind"] == "record"
    text = flat_text(stored_report(job.file_name))
    assert VERIFIES in text and "Audit trail" in text
    download = admin_client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("cycles", [1, 4])
def test_the_record_loads_in_a_constant_number_of_queries(
    cycles, patient, injector, django_assert_num_queries
):
    for n in range(cycles):
        make_cycle(patient=patient, injector=injector, n=n)
    # the history's 19 (tests/reports/test_history_queries.py), 20 the visits' consents
    # (text, witness, withdrawer joined), 21 the photos of the visits and their reviews
    # (expression joined), 22 the audit trail (actor joined); thumbnails are files.
    with django_assert_num_queries(22):
        context = build_record(patient=patient, audit_trail=True)
    assert sum(len(e.consents) for e in context["visits"]) == cycles
    assert sum(len(e.photo_pairs) for e in context["visits"]) == cycles
    assert all(p.baseline and p.review for e in context["visits"] for p in e.photo_pairs)


# --- Who may make and open the record ------------------------------------------------


@pytest.fixture
def other_injector(location):
    return UserFactory(email="other@test.clinic", role=Role.INJECTOR, default_location=location)


def done_job(patient, by, kind) -> ReportJob:
    stored = private_storage().save("reports/record.pdf", ContentFile(b"%PDF-1.7 invented"))
    return record_job(patient, by, kind=kind, status=Status.DONE, file_name=stored, pages=1)


def test_the_front_desk_and_other_injectors_are_refused_at_every_door(
    client, front_desk, other_injector, clinic_admin, injector, patient
):
    """Guard (access). Doors: the record page (GET, POST), the release log (POST), the
    job page and download of a record and of a patient's copy. Seen to fail: with
    ``get_patient_for_record`` as the plain ``get_patient_for`` (any clinical role) the
    other injector got 200 on the record page; without ``Kind.RECORD`` in
    ``get_job_for`` the other injector opened the record's job page (200)."""
    signed_treatment(patient=patient, injector=injector)
    record = done_job(patient, clinic_admin, Kind.RECORD)
    copy = done_job(patient, clinic_admin, Kind.PATIENT_COPY)
    doors = [
        ("get", reverse("reports:patient_record", args=[patient.pk]), {}),
        ("post", reverse("reports:patient_record", args=[patient.pk]), {"kind": Kind.RECORD}),
        ("post", reverse("reports:record_release", args=[patient.pk]), RELEASE),
        ("get", reverse("reports:job_detail", args=[record.pk]), {}),
        ("get", reverse("reports:download", args=[record.pk]), {}),
        ("get", reverse("reports:download", args=[copy.pk]), {}),
    ]
    for user in (front_desk, other_injector):
        client.force_login(user)
        for method, url, data in doors:
            status = getattr(client, method)(url, data).status_code
            assert status == 403, f"{user.email} {method} {url}: {status}"
    assert not ReportJob.objects.filter(requested_by__in=[front_desk, other_injector]).exists()
    assert not RecordRelease.objects.exists()


def test_the_treating_injector_makes_the_record_but_not_the_patients_copy(
    injector_client, injector, clinic_admin, patient
):
    """Guard (access): the patient's copy and its log are the admin's. Seen to fail:
    without the ``PATIENT_COPY`` check in ``get_job_for`` the injector downloaded the
    copy (200)."""
    signed_treatment(patient=patient, injector=injector)
    copy = done_job(patient, clinic_admin, Kind.PATIENT_COPY)
    url = reverse("reports:patient_record", args=[patient.pk])
    page = injector_client.get(url)
    assert page.status_code == 200 and 'data-testid="release-form"' not in page.content.decode()
    assert injector_client.post(url, {"kind": Kind.PATIENT_COPY}).status_code == 422
    assert not ReportJob.objects.filter(requested_by=injector).exists()
    assert injector_client.get(reverse("reports:download", args=[copy.pk])).status_code == 403
    release = reverse("reports:record_release", args=[patient.pk])
    assert injector_client.post(release, RELEASE).status_code == 403
    assert injector_client.post(url, {"kind": Kind.RECORD}).status_code == 302


# --- The release log -----------------------------------------------------------------


RELEASE = {
    "requested_on": "",
    "given_on": "",
    "given_to": "The patient",
    "method": ReleaseMethod.IN_PERSON,
    "note": "",
}


def release_data(**changes) -> dict:
    today = timezone.localdate()
    return {
        **RELEASE,
        "requested_on": (today - datetime.timedelta(days=40)).isoformat(),
        "given_on": today.isoformat(),
        **changes,
    }


def test_the_admin_logs_a_copy_given_and_the_page_shows_it_with_its_deadline(
    admin_client, clinic_admin, injector, patient, settings
):
    """The right of access: a copy made, then logged as given; the page shows the
    clinic's deadline (RECORD_RELEASE_DAYS) and marks a copy given after it as late."""
    settings.RECORD_RELEASE_DAYS = 30
    signed_treatment(patient=patient, injector=injector)
    copy = done_job(patient, clinic_admin, Kind.PATIENT_COPY)
    page = admin_client.get(reverse("reports:patient_record", args=[patient.pk])).content.decode()
    assert "within <strong>30 days</strong>" in page
    due = copy.requested_at.date() + datetime.timedelta(days=30)
    assert f"give it by <strong>{due:%b %-d, %Y}</strong>" in page
    response = admin_client.post(
        reverse("reports:record_release", args=[patient.pk]),
        release_data(job=copy.pk, method=ReleaseMethod.EMAIL, given_to="Maya Lockwood"),
    )
    assert response.status_code == 302
    release = RecordRelease.objects.get(patient=patient)
    assert release.given_by == clinic_admin and release.job == copy and release.late
    event = AuditEvent.objects.get(action=Action.EXPORT, object_type__icontains="recordrelease")
    assert event.patient_id == patient.pk
    page = admin_client.get(reverse("reports:patient_record", args=[patient.pk])).content.decode()
    assert 'data-testid="releases"' in page and "Sent by secure email" in page and "late" in page
    assert 'data-testid="awaiting"' not in page  # the copy is given


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"given_on": "2001-01-01"}, "before the day it was asked for"),
        ({"given_on": "2999-01-01"}, "cannot be in the future"),
        ({"given_on": "31/02/2026"}, "Enter a valid date"),
        ({"given_to": "Maya\x00Lockwood"}, "Null characters are not allowed"),
        ({"given_to": "x" * 10_000}, "at most 200 characters"),
        ({"method": "carrier pigeon"}, "Select a valid choice"),
        ({"job": "999999"}, "Select a valid choice"),
    ],
)
def test_a_bad_release_is_a_message_never_a_500(admin_client, patient, injector, changes, message):
    """Guard (hostile input) on the release log's only door (the page's form; no admin
    form). Seen to fail: without ``RecordRelease.clean``'s order check the 2001 date
    got only the database constraint's name as its message, not the clinic's words."""
    signed_treatment(patient=patient, injector=injector)
    response = admin_client.post(
        reverse("reports:record_release", args=[patient.pk]), release_data(**changes)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not RecordRelease.objects.exists()


def test_a_copy_of_another_patient_cannot_be_logged(admin_client, clinic_admin, injector, patient):
    """Guard (tampering with the form's job id): a copy made for another patient."""
    other = PatientFactory()
    signed_treatment(patient=patient, injector=injector)
    signed_treatment(patient=other, injector=injector)
    theirs = done_job(other, clinic_admin, Kind.PATIENT_COPY)
    response = admin_client.post(
        reverse("reports:record_release", args=[patient.pk]), release_data(job=theirs.pk)
    )
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    assert not RecordRelease.objects.exists()


# --- The real worker -----------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_complete_record_is_made_by_the_real_worker(real_worker, clinic_admin, injector):
    from tests.reports.test_worker import watch

    patient = PatientFactory()
    make_cycle(patient=patient, injector=injector, n=1)
    job = requests.request_record(patient=patient, by=clinic_admin, kind=Kind.RECORD)
    assert watch(job) == [Status.QUEUED, Status.RUNNING, Status.DONE]
    text = flat_text(stored_report(job.file_name))
    assert "Consent · text version 1" in text and "Addendum of cycle 1" in text
    assert text.count(VERIFIES) == 2 and job.pages >= 2
    assert job.download_name == f"record-{patient.chart_number}-{job.pk}.pdf"


def test_a_double_submit_makes_one_record_and_logs_one_release(
    admin_client, clinic_admin, injector, patient
):
    """Guard (double submit, second tab): the record's request and the release log carry
    a one-time token (``clinic.once``); the same form posted twice makes one job (one
    audit line) and one release. Seen to fail: without the ``submit.earlier`` branch in
    the views, two jobs and two releases."""
    signed_treatment(patient=patient, injector=injector)
    url = reverse("reports:patient_record", args=[patient.pk])
    token = re.search(
        r'name="submit_token" value="([^"]+)"', admin_client.get(url).content.decode()
    )
    first = admin_client.post(url, {"kind": Kind.RECORD, "submit_token": token[1]})
    second = admin_client.post(url, {"kind": Kind.RECORD, "submit_token": token[1]})
    job = ReportJob.objects.get(patient=patient, kind=Kind.RECORD)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == job.get_absolute_url()
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(job.pk)).count() == 1
    page = admin_client.get(url).content.decode()
    release_token = re.findall(r'name="submit_token" value="([^"]+)"', page)[1]
    release = reverse("reports:record_release", args=[patient.pk])
    for _ in range(2):
        response = admin_client.post(release, release_data(submit_token=release_token))
        assert response.status_code == 302
    assert RecordRelease.objects.filter(patient=patient).count() == 1


# --- The patient's summaries in the patient's copy -----------------------------------


# Right corrugator 10 U, left 8 U, procerus 4 U; the right graded stronger.
RIGHT_MORE = [
    ("CORR", "R", 6),
    ("CORR", "R", 4),
    ("PROC", "C", 4),
    ("CORR", "L", 4),
    ("CORR", "L", 4),
]
RIGHT_STRONGER = {"FROWN.CORR.R": 3, "FROWN.CORR.L": 2, "FROWN.PROC.C": 2}
SUMMARY_SENTENCES = [
    "Your plan in plain words",
    "Your right: 10 units; your left: 8 units.",
    "Your right frown muscle pulls harder, so it gets 2 units more.",
    "What to expect, when",
]


def test_the_patients_copy_holds_the_summary_of_an_asymmetric_plan_and_the_record_does_not(
    patient, injector, clinic_admin
):
    """The patient's copy says the patient summary's own sentences (built by
    ``patient_summary.build_summary``, the one builder) under each visit with a signed
    treatment or a final plan; the medico-legal record never holds them. Doors: the
    copy's Celery renderer (``render_patient_copy``) and the record's (``render_record``),
    both asked for on the record page (tested above). Seen to fail: with the summary
    built for the record too (``if plain`` taken out of ``build_record`` and the
    template), the record printed "Your plan in plain words"."""
    signed_treatment(patient=patient, injector=injector, points=RIGHT_MORE, baseline=RIGHT_STRONGER)
    copy = flat_text(
        render_patient_copy(
            record_job(patient, clinic_admin, kind=Kind.PATIENT_COPY), _noop, _noop
        ).content
    )
    for sentence in SUMMARY_SENTENCES:
        assert sentence in copy, sentence
    assert copy.index("Treated on") > copy.index("Consent · text version 1")
    record = record_text(patient, clinic_admin)
    for sentence in SUMMARY_SENTENCES:
        assert sentence not in record, sentence
    assert "Consent · text version 1" in record


def test_a_final_plan_not_yet_treated_is_explained_in_the_copy_and_an_empty_visit_is_not(
    patient, injector, clinic_admin
):
    """A visit with only a final plan gets the summary of the units planned; a
    consultation with nothing to explain gets none (and no heading)."""
    treatment_visit(patient=patient, injector=injector, points=RIGHT_MORE, baseline=RIGHT_STRONGER)
    make_visit(patient=patient, injector=injector, kind=VisitKind.CONSULTATION)
    context = build_record(patient=patient, plain=True)
    summaries = [e.summary for e in context["visits"] if e.summary]
    assert len(summaries) == 1 and not summaries[0].signed
    copy = flat_text(
        render_patient_copy(
            record_job(patient, clinic_admin, kind=Kind.PATIENT_COPY), _noop, _noop
        ).content
    )
    assert "Planned for" in copy and "Your right: 10 units; your left: 8 units." in copy
    assert "Consultation" not in copy


# --- The release log in the Django admin ---------------------------------------------


def logged_release(patient, by, *, requested_days_ago: int, method=ReleaseMethod.IN_PERSON):
    today = timezone.localdate()
    return RecordRelease.objects.create(
        patient=patient,
        requested_on=today - datetime.timedelta(days=requested_days_ago),
        given_on=today,
        given_to="The patient",
        method=method,
        given_by=by,
    )


def test_the_admin_lists_the_releases_with_filters_and_refuses_add_and_change(
    admin_client, clinic_admin, patient, settings
):
    """Guard (the release's rules stay on the record page). Doors: the Django admin's
    list, its filters (method, late), add, change and delete. Seen to fail: with
    ``has_add_permission`` and ``has_change_permission`` left to the ModelAdmin's, the
    add page answered 200.
    """
    settings.RECORD_RELEASE_DAYS = 30
    late = logged_release(patient, clinic_admin, requested_days_ago=40, method=ReleaseMethod.EMAIL)
    on_time = logged_release(patient, clinic_admin, requested_days_ago=3)
    changelist = reverse("admin:reports_recordrelease_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2 and patient.chart_number in page.content.decode()
    filtered = {
        "late=yes": [late.pk],
        "late=no": [on_time.pk],
        f"method={ReleaseMethod.EMAIL}": [late.pk],
    }
    for query, expected in filtered.items():
        listed = admin_client.get(f"{changelist}?{query}").context["cl"].result_list
        assert [r.pk for r in listed] == expected, query
    assert admin_client.get(reverse("admin:reports_recordrelease_add")).status_code == 403
    change = reverse("admin:reports_recordrelease_change", args=[late.pk])
    assert admin_client.get(change).status_code == 200  # to read
    admin_client.post(change, {"given_to": "Someone else", "method": ReleaseMethod.POST})
    delete = reverse("admin:reports_recordrelease_delete", args=[late.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    late.refresh_from_db()
    assert late.given_to == "The patient" and late.method == ReleaseMethod.EMAIL


def test_the_record_prints_what_was_measured_on_the_photos_and_nothing_without(
    patient, injector, clinic_admin
):
    """Issue 21 in the record: per visit, the measured differences of its photos and of
    its review's (with the scale's caveat), and the chart across visits in the front
    matter; a record without photos has neither heading."""
    bare = PatientFactory()
    make_cycle(patient=bare, injector=injector, n=9, photos=False)
    text = record_text(bare, clinic_admin)
    assert "Measured on the photos" not in text
    assert "Measured asymmetry across visits" not in text

    treatment = charted_treatment(patient=patient, injector=injector)
    measured_photo(visit=treatment.visit, values={"brow_tail": {"R": 14.2, "L": 11.8}})
    treatment = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    review = graded_review(treatment=treatment, injector=injector)
    measured_photo(visit=review.visit, values={"brow_tail": {"R": 12.4, "L": 11.8}})
    sign_review(review=review, by=injector, password=PASSWORD)
    text = record_text(patient, clinic_admin)
    assert "Measured on the photos" in text
    assert "brow tail R +2.4 mm higher (Patient's R 14.2 · Patient's L 11.8 mm" in text
    assert "At the review: Rest, at rest: brow tail level within" in text
    assert "taken as 11.7 mm" in text
    assert "Measured asymmetry across visits" in text
