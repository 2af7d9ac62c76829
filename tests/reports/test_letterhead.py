"""The clinic's letterhead and paper on every PDF (issue 23, "Clinic letterhead and
paper"): name, address, phone and logo, edited in the Django admin (the one door,
the logo cleaned like a photo), and the paper size per clinic, Letter by default.

Read back from the PDFs the reports' jobs store: the page size (pypdf's media box)
and the text of page 1 (the letterhead, the clinic's name once) and of page 2 (the
name in the running header).

Seen to fail: with ``size: {{ paper }}`` taken out of pdf/base.html (the A4 case:
every page the stylesheet's Letter, 612 × 792, whatever the clinic chose), and with
the ``@page :first`` rule taken out of pdf.css (the Letter case: the name twice on
page 1, the letterhead's and the running header's).
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from audit.models import Action, AuditEvent
from charting.reports import requests
from charting.reports.letterhead import current
from charting.reports.models import Letterhead, Paper
from charting.reports.storage import private_storage
from charting.signing import sign_treatment
from tests.factories import PASSWORD, charted_treatment, make_history
from tests.reports.pdfs import stored_report

pytestmark = pytest.mark.django_db

NAME = "Northside Aesthetic Medicine"
ADDRESS = "12 Elm Street, Suite 4\nSpringfield, IL 62701"
PHONE = "(555) 010-0123"
# Points per page: US Letter 8.5 × 11 in, A4 210 × 297 mm.
SIZES = {Paper.LETTER: (612, 792), Paper.A4: (595, 842)}


def logo_png() -> bytes:
    """A small PNG logo with a text chunk the cleaning must drop."""
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (300, 90), (255, 255, 255, 0))
    for x in range(20, 280):
        for y in range(30, 60):
            image.putpixel((x, y), (31, 58, 95, 255))
    info = PngInfo()
    info.add_text("Author", "secret-device-id")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def set_letterhead(client, *, paper: str, logo: bytes | None = None, **extra):
    """Through the Django admin, as the clinic admin does it."""
    data = {"name": NAME, "address": ADDRESS, "phone": PHONE, "paper": paper, **extra}
    if logo is not None:
        data["logo"] = io.BytesIO(logo)
        data["logo"].name = "logo.png"
    if Letterhead.objects.exists():
        url = reverse("admin:reports_letterhead_change", args=[1])
    else:
        url = reverse("admin:reports_letterhead_add")
    return client.post(url, data)


def pdf_of(job) -> PdfReader:
    job.refresh_from_db()
    assert job.file_name, f"{job.kind}: {job.status} {job.error}"
    return PdfReader(io.BytesIO(stored_report(job.file_name)))


@pytest.fixture
def every_kind(patient, injector, django_capture_on_commit_callbacks):
    """One job of each PDF kind for the patient: consent, injection map, history."""

    def make():
        with django_capture_on_commit_callbacks(execute=True):
            treatment = charted_treatment(patient=patient, injector=injector)
            treatment = sign_treatment(
                treatment=treatment, by=injector, password=PASSWORD
            ).treatment
        consent = treatment.visit.consents.get()
        with django_capture_on_commit_callbacks(execute=True):
            jobs = {
                "consent": requests.request_consent_pdf(consent_id=consent.pk, by=injector),
                "injection map": requests.request_injection_map(
                    treatment_id=treatment.pk, by=injector
                ),
                "history": requests.request_history(patient=patient, by=injector),
            }
        return {kind: pdf_of(job) for kind, job in jobs.items()}

    make_history(patient=patient, injector=injector, cycles=3)  # a history of two pages
    return make


def test_letter_by_default(every_kind):
    assert not Letterhead.objects.exists() and current().paper == Paper.LETTER
    for kind, pdf in every_kind().items():
        for page in pdf.pages:
            size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            assert size == SIZES[Paper.LETTER], kind


@pytest.mark.parametrize("paper", [Paper.A4, Paper.LETTER])
def test_the_letterhead_and_paper_on_every_kind_of_pdf(admin_client, every_kind, paper):
    response = set_letterhead(admin_client, paper=paper, logo=logo_png())
    assert response.status_code == 302, response.content.decode()[:2000]

    pdfs = every_kind()
    assert set(pdfs) == {"consent", "injection map", "history"}
    for kind, pdf in pdfs.items():
        for page in pdf.pages:
            size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
            assert size == SIZES[paper], kind
        first = " ".join(pdf.pages[0].extract_text().split())
        assert first.count(NAME) == 1, f"{kind}: the clinic's name once on page 1"
        assert "12 Elm Street, Suite 4" in first and "Springfield, IL 62701" in first, kind
        assert f"Phone {PHONE}" in first, kind
        assert len(pdf.pages[0].images) >= 1, f"{kind}: the logo on page 1"
        for number, later in enumerate(pdf.pages[1:], start=2):
            text = " ".join(later.extract_text().split())
            assert text.count(NAME) == 1, f"{kind}: the running header of page {number}"
            assert "Springfield" not in text, f"{kind}: the address on page 1 only"
    assert len(pdfs["history"].pages) >= 2  # the running header was seen


def test_the_logo_is_cleaned_and_kept_private(admin_client, django_capture_on_commit_callbacks):
    set_letterhead(admin_client, paper=Paper.LETTER, logo=logo_png())
    letterhead = Letterhead.objects.get()
    assert letterhead.logo_name.startswith("letterhead/")
    with private_storage().open(letterhead.logo_name, "rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and not image.info.get("Author")
    assert b"secret-device-id" not in data

    # A new logo replaces the old file; "remove" takes it off.
    old = letterhead.logo_name
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes after commit
        set_letterhead(admin_client, paper=Paper.LETTER, logo=logo_png())
    assert not private_storage().exists(old)
    set_letterhead(admin_client, paper=Paper.LETTER, remove_logo="on")
    assert Letterhead.objects.get().logo_name == ""


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"logo": b"%PDF-1.4 not an image"}, "not a photo we can read"),
        ({"name": "Clinic\x1bName"}, "control characters"),
        ({"paper": "B5"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_message_in_the_admin(admin_client, extra, says):
    logo = extra.pop("logo", None)
    response = set_letterhead(admin_client, paper=extra.pop("paper", Paper.A4), logo=logo, **extra)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not Letterhead.objects.exists()


def test_one_letterhead_only_and_its_edits_audited(admin_client, clinic_admin):
    set_letterhead(admin_client, paper=Paper.A4)
    set_letterhead(admin_client, paper=Paper.LETTER)
    events = AuditEvent.objects.filter(object_type="reports.letterhead", object_id="1")
    assert [e.action for e in events.order_by("seq")] == [Action.CREATE, Action.CHANGE]
    assert {e.actor_id for e in events} == {clinic_admin.pk}
    assert admin_client.get(reverse("admin:reports_letterhead_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:reports_letterhead_delete", args=[1]), {"post": "yes"}
    )
    assert response.status_code == 403 and Letterhead.objects.exists()


def test_the_front_desk_cannot_edit_it(desk_client):
    url = reverse("admin:reports_letterhead_add")
    response = desk_client.post(url, {"name": "X", "paper": Paper.A4})
    assert response.status_code == 302 and not Letterhead.objects.exists()
