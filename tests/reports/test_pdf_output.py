"""What the PDFs say and how they look: text through pypdf, pixels through pdftoppm."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image, ImageStat

from charting.reports.patient_history import build_history
from charting.reports.rendering import render_pdf
from tests.conftest import need
from tests.factories import make_history
from tests.reports.pdfs import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def history_pdf(patient, injector):
    make_history(patient=patient, injector=injector, cycles=3)
    return render_pdf(template="pdf/history.html", context=build_history(patient=patient))


def test_history_names_the_patient_and_totals_per_side(history_pdf, patient):
    text = " ".join(pdf_text(history_pdf.content).split())  # a wrapped row on one line
    assert history_pdf.pages >= 2
    assert text.count(patient.full_name) >= history_pdf.pages  # the header of every page
    assert f"Page 1 of {history_pdf.pages}" in text
    assert f"Page {history_pdf.pages} of {history_pdf.pages}" in text
    assert patient.chart_number in text
    # Corrugator: 3.5 U right, 5 U left (the patient's R first), 8.5 U total, L +1.5 U (30%).
    assert "Corrugator supercilii 3.5 5 – 8.5 U L +1.5 U (30%)" in text
    # All muscles: right 3.5, left 7.5, midline 4.
    assert "All muscles 3.5 7.5 4 15 U L +4 U" in text
    assert "generated" in text and "Clinic" in text


def test_pages_render_to_images_that_are_not_blank(history_pdf, tmp_path):
    need(bool(shutil.which("pdftoppm")), "pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "history.pdf"
    source.write_bytes(history_pdf.content)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(source), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == history_pdf.pages
    for png in pages:
        image = Image.open(png).convert("L")
        stat = ImageStat.Stat(image)
        # A blank or unstyled page is near-uniform; ours have ink, tables and rules.
        assert stat.stddev[0] > 12, f"{png.name} looks blank (stddev {stat.stddev[0]:.1f})"
        dark = sum(image.histogram()[:128]) / (image.width * image.height)
        assert dark > 0.005, f"{png.name} has almost no ink"
    first = Image.open(pages[0]).convert("RGB")
    # The stylesheet's navy (#1f3a5f) heading colour is on the first page: CSS applied.
    colours = {c for _, c in first.getcolors(maxcolors=1 << 20)}
    assert any(
        abs(r - 0x1F) < 25 and abs(g - 0x3A) < 25 and abs(b - 0x5F) < 25 for r, g, b in colours
    )
