"""The history PDF from kept parts (charting.reports.history_pages, issue 22): each
signed treatment's pages laid out once and kept in the private storage, the rest
laid out on every read, merged, and the margins stamped over the whole.

What is counted is real: the part index's ``renders`` and ``uses``, the stored
files and their bytes; the PDFs are read back with pypdf.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from pypdf import PdfReader

from charting.reports import requests
from charting.reports.history_pages import css_string
from charting.reports.models import HistoryPart
from charting.reports.rendering import html_to_pdf
from charting.reports.storage import private_storage
from charting.reviews.review import sign_review
from charting.signing import add_addendum
from tests.factories import make_history, signed_treatment
from tests.factories.clinic import PASSWORD
from tests.factories.reviews import graded_review
from tests.reports.pdfs import flat_text, stored_report
from tests.tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def render(injector, django_capture_on_commit_callbacks):
    """The patient's history asked for as the page asks, rendered by the task: its bytes."""

    def history(patient) -> bytes:
        with django_capture_on_commit_callbacks(execute=True):
            job = requests.request_history(patient=patient, by=injector)
        job.refresh_from_db()
        assert job.status == "done", job.error
        return stored_report(job.file_name)

    return history


@pytest.fixture
def three_signed(patient, injector):
    """A planned visit (not kept) and three signed treatments (each a kept part)."""
    make_history(patient=patient, injector=injector, cycles=1)
    return [signed_treatment(patient=patient, injector=injector) for _ in range(3)]


def stored(row: HistoryPart) -> bytes:
    with private_storage().open(row.name) as f:
        return f.read()


def parts_by_treatment() -> dict[int, HistoryPart]:
    """The treatments' parts (not the fronts, ``history_pages.kept_front``)."""
    parts = HistoryPart.objects.filter(treatment__isnull=False)
    return {p.treatment_id: p for p in parts.order_by("created_at", "pk")}


def front(patient) -> HistoryPart:
    return HistoryPart.objects.get(patient=patient, treatment=None, document="history-front")


def test_a_second_render_reuses_the_kept_parts(render, patient, three_signed):
    first = render(patient)
    parts = parts_by_treatment()
    assert set(parts) == {t.pk for t in three_signed}  # the planned visit is not kept
    assert all(p.renders == 1 and p.uses == 0 for p in parts.values())
    files = {p.pk: stored(p) for p in parts.values()}

    second = render(patient)
    again = parts_by_treatment()
    assert all(p.renders == 1 and p.uses == 1 for p in again.values())  # read, not laid out
    assert {p.pk: stored(p) for p in again.values()} == files  # the same files, untouched
    assert HistoryPart.objects.count() == 4  # and the front matter, read too
    assert front(patient).renders == 1 and front(patient).uses == 1
    # The same document for a reader (the time of making aside).
    assert len(PdfReader(io.BytesIO(first)).pages) == len(PdfReader(io.BytesIO(second)).pages)
    text = flat_text(second)
    assert text.count("Verified: the stored record matches what was signed") == 3
    assert patient.full_name in text and "Summary" in text


def test_an_addendum_or_a_review_renews_only_that_treatments_part(
    render, patient, injector, three_signed
):
    render(patient)
    first, second, third = three_signed
    kept = parts_by_treatment()

    add_addendum(treatment=second, reason="Late note", text="Bruise at the left brow", by=injector)
    text = flat_text(render(patient))
    assert "Bruise at the left brow" in text
    rows = HistoryPart.objects.filter(treatment=second).order_by("created_at", "pk")
    assert rows.count() == 2 and rows.last().renders == 1 and rows.last().uses == 0
    assert HistoryPart.objects.get(pk=kept[first.pk].pk).uses == 1
    assert HistoryPart.objects.get(pk=kept[third.pk].pk).uses == 1

    review = graded_review(treatment=third, injector=injector)
    sign_review(review=review, by=injector, password=PASSWORD)
    text = flat_text(render(patient))
    assert "Two-week review" in text
    assert HistoryPart.objects.filter(treatment=third).count() == 2
    assert HistoryPart.objects.get(pk=kept[first.pk].pk).uses == 2  # still the first one
    assert "Bruise at the left brow" in text


def test_page_numbers_and_headers_run_across_the_merge(render, patient, three_signed):
    reader = PdfReader(io.BytesIO(render(patient)))
    total = len(reader.pages)
    assert total >= 4  # the front matter, then each signed treatment from a page of its own
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {total}" in text
        assert f"{patient.full_name} · {patient.chart_number}" in text
        assert "Treatment history · generated" in text
    # Every page but the first names the clinic above the rule (the first has the letterhead).
    clinic = " ".join(reader.pages[1].extract_text().split())
    assert "Clinic" in clinic
    # The headings are still the PDF's bookmarks, nested under the title as before.
    title, nested = reader.outline
    assert title["/Title"] == "Treatment history"
    headings = [item["/Title"] for item in nested if not isinstance(item, list)]
    assert "Summary" in headings and len(headings) >= 5  # Summary and the 4 visits


def test_a_kept_part_changed_in_storage_is_rendered_again_never_served(
    render, patient, three_signed
):
    """Guard (tampering). Doors: the history page's PDF button and the clinic-wide
    export (both through documents._history_pdf, the task), a second worker reading
    the same bucket. Seen to fail with the digest check taken out of ``_read``."""
    render(patient)
    row = parts_by_treatment()[three_signed[0].pk]
    forged = html_to_pdf("<p>FORGED PAGE no such treatment</p>").content
    storage = private_storage()
    storage.delete(row.name)
    storage.save(row.name, ContentFile(forged))
    assert stored(row) == forged

    text = flat_text(render(patient))
    assert "FORGED PAGE" not in text
    assert text.count("Verified: the stored record matches what was signed") == 3
    row.refresh_from_db()
    assert row.renders == 2  # laid out again, and the file replaced
    assert b"FORGED" not in stored(row) and stored(row) != forged

    storage.delete(row.name)  # a file gone from storage: laid out again too
    assert "FORGED PAGE" not in flat_text(render(patient))
    row.refresh_from_db()
    assert row.renders == 3


def test_a_kept_front_changed_in_storage_is_rendered_again_never_served(
    render, patient, three_signed
):
    """Guard (tampering): the front matter (letterhead, patient, summary) is kept as
    the parts are, and checked as they are. Door: the history page's PDF button.
    Seen to fail with the digest check taken out of ``_read``."""
    render(patient)
    row = front(patient)
    forged = html_to_pdf("<p>FORGED FRONT not this patient</p>").content
    storage = private_storage()
    storage.delete(row.name)
    storage.save(row.name, ContentFile(forged))

    reader = PdfReader(io.BytesIO(render(patient)))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "FORGED FRONT" not in text and patient.chart_number in text
    # the time of making, drawn over the kept front on this read: in the head of page 1
    # (after "Generated") and at the foot of every page
    made = text.split("Treatment history · generated ")[1][:17]
    assert made.startswith(date_filter(timezone.localtime(), "M j, Y"))
    assert "Generated" in text and text.count(made) >= 2
    assert " ".join(reader.pages[1].extract_text().split()).count(made) == 1
    row.refresh_from_db()
    assert row.renders == 2 and b"FORGED" not in stored(row)


def test_a_tampered_signed_record_prints_does_not_match_after_it_was_kept(
    render, patient, three_signed
):
    """Guard (tampering). The seal is checked on every read, and a kept part that
    said "Verified" is never served for a record that no longer matches. Doors: the
    history's PDF button, the clinic-wide export. Seen to fail with the part's key
    made from the stored seal alone (not from what is printed)."""
    assert flat_text(render(patient)).count("Verified") == 3
    treatment = three_signed[1]
    injection = treatment.injections.first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [injection.pk])
    text = flat_text(render(patient))
    assert "DOES NOT MATCH ITS SIGNATURE" in text
    assert text.count("Verified: the stored record matches what was signed") == 2
    # The tampered treatment's pages are laid out from the rows each time, never kept.
    assert HistoryPart.objects.filter(treatment=treatment).count() == 1
    render(patient)
    assert HistoryPart.objects.get(treatment=treatment).uses == 0


HOSTILE = 'Zoë "}; @page { @top-right { content: "X" } } </style><p>injected</p> \\'


def test_hostile_names_are_printed_as_text_in_the_stamped_margins(
    render, patient, injector, three_signed
):
    """Guard (escaping): the patient's name and chart number go into the stamp's CSS
    as strings. Doors: the patient's form (name), the Django admin, the demo data.
    Seen to fail with ``css_string`` returning the text unescaped."""
    patient.last_name = HOSTILE
    patient.save(update_fields=["last_name"])
    reader = PdfReader(io.BytesIO(render(patient)))
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "Zoë" in text and '"}; @page' in text  # the name as written, in the header
    assert css_string('a"b\\c') == '"a\\22 b\\5c c"'


def test_sweep_deletes_the_parts_no_longer_asked_for(render, patient, injector, three_signed):
    render(patient)
    old = parts_by_treatment()[three_signed[0].pk]
    add_addendum(treatment=three_signed[0], reason="Late note", text="Follow-up", by=injector)
    render(patient)
    call_command("sweep_history_parts", stdout=io.StringIO())
    assert not HistoryPart.objects.filter(pk=old.pk).exists()
    assert not private_storage().exists(old.name)
    assert len(parts_by_treatment()) == 3  # the current part of each treatment stays
    assert HistoryPart.objects.filter(treatment=None).count() == 1  # and the front
    assert "Follow-up" in flat_text(render(patient))


def test_a_first_render_shared_with_a_second_worker_lays_each_part_out_once(
    patient, three_signed, settings
):
    """The claim protocol of ``kept_parts(share=...)``: the helper (here run in this
    process as the share is sent, so it claims every chunk first, from the last)
    lays out and stores the parts, and the asking render reads them from storage."""
    from charting.reports import history_pages
    from charting.reports.patient_history import build_history

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    history_pages.CHUNK, saved = 1, history_pages.CHUNK  # three chunks of one part
    helped = []

    def share(render, chunks):
        assert len(chunks) == 3
        helped.append(
            history_pages.help_render_history(
                patient_id=patient.pk, date_from=None, date_to=None, render=render, chunks=chunks
            )
        )

    try:
        pdf = history_pages.history_pdf(context=build_history(patient=patient), share=share)
    finally:
        history_pages.CHUNK = saved
    assert helped == [3]  # the helper laid out all three
    assert all(p.renders == 1 and p.uses == 0 for p in HistoryPart.objects.all())
    assert HistoryPart.objects.count() == 4  # three parts, and the front laid out here
    text = flat_text(pdf.content)
    assert text.count("Verified: the stored record matches what was signed") == 3
    assert f"Page {pdf.pages} of {pdf.pages}" in text


def test_the_sweep_keeps_the_part_read_last_in_each_document(
    render, patient, three_signed, clinic_admin
):
    """The history, the complete record and the patient's copy each keep a part per
    signed treatment (a visit is printed differently in each): the sweep keeps the
    one read last per treatment *and document*. Seen to fail: with the sweep's
    subquery per treatment only, three parts of nine stayed (the patient's copy's,
    read last): the history's and the record's were deleted."""
    from charting.reports.documents import render_patient_copy, render_record
    from charting.reports.models import Kind
    from tests.factories import make_report_job

    render(patient)
    for renderer, kind in ((render_record, Kind.RECORD), (render_patient_copy, Kind.PATIENT_COPY)):
        job = make_report_job(by=clinic_admin, patient=patient, kind=kind)
        assert "Verified" in flat_text(renderer(job, lambda *a: None, lambda *a: None).content)
    parts = HistoryPart.objects.filter(treatment__isnull=False)
    documents = sorted(parts.values_list("document", flat=True).distinct())
    assert documents == ["history", "record", "record-plain"]
    call_command("sweep_history_parts", stdout=io.StringIO())
    assert parts.count() == 9  # three treatments, three documents
    # and a front each for the history and the patient's copy (the record's is live)
    fronts = HistoryPart.objects.filter(treatment=None, patient=patient)
    assert sorted(fronts.values_list("document", flat=True)) == [
        "history-front",
        "record-plain-front",
    ]
    for document in documents:
        kept = HistoryPart.objects.filter(document=document)
        assert {p.treatment_id for p in kept} == {t.pk for t in three_signed}
        assert all(private_storage().exists(p.name) for p in kept)


# A session as the bench's 40-session history has them (tools/bench/generate.py): eight
# points over five muscles, left against right, which the label's totals flag three times
# (no movement map: the bench's subject has none).
A_FULL_SESSION = [
    ("CORR", "L", 5), ("CORR", "R", 4), ("PROC", "C", 4), ("FRONT", "L", 2),
    ("FRONT", "R", 2), ("OOC", "L", 4), ("OOC", "R", 3), ("DAO", "R", 2),
]  # fmt: skip


def test_a_full_signed_session_is_one_page_of_the_history(render, patient, injector):
    """Each session starts a page of its own (a kept part), so a session that runs a
    few lines over costs a page of paper each: at 62 mm the diagram pushed the lots and
    signature block onto a second page (82 pages for the bench's 40 sessions; 42 now)."""
    treatment = signed_treatment(
        patient=patient, injector=injector, points=A_FULL_SESSION, baseline={}
    )
    render(patient)
    part = parts_by_treatment()[treatment.pk]
    text = flat_text(stored(part))
    assert "Product, lots and dilution" in text and "Verified" in text and "Dose checks" in text
    assert part.pages == 1
