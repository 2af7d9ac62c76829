"""The injection map of a signed treatment from its kept pages (issue 22): laid out
once and kept with the history's parts (``history_pages.kept_report``: the same rows,
storage and HMAC), the time of making drawn over it on every read. A verifying seal
only; the seal is checked on every read and what it finds is in the key.

What is counted is real: the part index's ``renders`` and ``uses``, the stored file
and its bytes; the PDFs are read back with pypdf.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfReader

from charting.reports import requests
from charting.reports.history_pages import INJECTION_MAP, kept_report
from charting.reports.models import HistoryPart
from charting.reports.rendering import base_context, html_to_pdf
from charting.reports.storage import private_storage
from charting.reports.treatments import summary, with_rows
from charting.signing import add_addendum
from tests.factories import signed_treatment
from tests.reports.pdfs import flat_text, stored_report
from tests.reports.test_kept_pages import tamper

pytestmark = pytest.mark.django_db

VERIFIED = "Verified: the stored record matches what was signed"


@pytest.fixture
def signed(patient, injector):
    return signed_treatment(patient=patient, injector=injector)


@pytest.fixture
def render(injector, django_capture_on_commit_callbacks):
    """The injection map asked for as the signed chart page asks, rendered by the task."""

    def injection_map(treatment) -> bytes:
        with django_capture_on_commit_callbacks(execute=True):
            job = requests.request_injection_map(treatment_id=treatment.pk, by=injector)
        job.refresh_from_db()
        assert job.status == "done", job.error
        return stored_report(job.file_name)

    return injection_map


def kept(treatment) -> HistoryPart:
    return HistoryPart.objects.get(treatment=treatment, document=INJECTION_MAP.name)


def stored(row: HistoryPart) -> bytes:
    with private_storage().open(row.name) as f:
        return f.read()


def test_a_second_map_is_read_from_storage(render, signed, patient):
    first = render(signed)
    row = kept(signed)
    assert row.renders == 1 and row.uses == 0
    file = stored(row)

    second = render(signed)
    row.refresh_from_db()
    assert row.renders == 1 and row.uses == 1 and stored(row) == file  # read, not laid out
    assert HistoryPart.objects.count() == 1
    reader = PdfReader(io.BytesIO(second))
    assert len(reader.pages) == len(PdfReader(io.BytesIO(first)).pages)
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {total}" in text
        assert f"{patient.full_name} · {patient.chart_number}" in text
        assert "Injection map · generated" in text
    assert VERIFIED in flat_text(second) and "TL-1001" in flat_text(second)
    assert reader.outline[0]["/Title"] == "Injection map"  # the bookmarks kept


def test_the_time_of_making_is_drawn_on_each_read_not_kept(signed):
    treatment = with_rows().get(pk=signed.pk)
    context = {
        **base_context(),
        "patient": treatment.visit.patient,
        "visit": treatment.visit,
        "consent": None,
        "signed_consent": None,
        "t": summary(treatment),
    }
    texts = {}
    for hour in (9, 17):
        at = timezone.make_aware(datetime.datetime(2026, 3, 14, hour, 26))
        pdf = kept_report(
            template="pdf/injection_map.html",
            context={**context, "generated_at": at},
            treatment_id=signed.pk,
            document=INJECTION_MAP,
        )
        texts[hour] = flat_text(pdf.content)
    assert kept(signed).uses == 1  # the second read came from storage
    for hour, other in ((9, 17), (17, 9)):
        # in the head of page 1 and at the foot of every page, this read's time only
        assert texts[hour].count(f"Mar 14, 2026 {hour:02}:26") == 1 + texts[hour].count("Page ")
        assert f"{other}:26" not in texts[hour]


def test_an_addendum_is_a_new_key(render, signed, injector):
    render(signed)
    add_addendum(treatment=signed, reason="Late note", text="Ice at the left brow", by=injector)
    assert "Ice at the left brow" in flat_text(render(signed))
    rows = HistoryPart.objects.filter(treatment=signed).order_by("created_at", "pk")
    assert rows.count() == 2 and rows.last().uses == 0


def test_a_kept_map_changed_in_storage_is_rendered_again_never_served(render, signed):
    """Guard (tampering). Door: the signed chart page's injection-map button (the
    task). Seen to fail with the digest check taken out of ``_read``."""
    render(signed)
    row = kept(signed)
    forged = html_to_pdf("<p>FORGED PAGE no such treatment</p>").content
    storage = private_storage()
    storage.delete(row.name)
    storage.save(row.name, ContentFile(forged))

    text = flat_text(render(signed))
    assert "FORGED PAGE" not in text and VERIFIED in text
    row.refresh_from_db()
    assert row.renders == 2 and b"FORGED" not in stored(row)


def test_a_tampered_signed_record_prints_does_not_match_after_its_map_was_kept(render, signed):
    """Guard (tampering). The seal is checked on every read: a kept map that said
    "Verified" is never served for a record that no longer matches, and a map whose
    seal fails is never kept. Door: the injection-map button. Seen to fail with the
    seal's state left out of what decides keeping (``treatments.injection_map_pdf``)."""
    assert VERIFIED in flat_text(render(signed))
    injection = signed.injections.first()
    tamper("UPDATE charting_injection SET units = 40 WHERE id = %s", [injection.pk])
    for _ in range(2):
        text = flat_text(render(signed))
        assert "DOES NOT MATCH ITS SIGNATURE" in text and VERIFIED not in text
    assert HistoryPart.objects.filter(treatment=signed).count() == 1
    assert kept(signed).uses == 0  # the verified map was never served again
