"""Review findings and touch-ups in the history and injection-map PDFs (rendered
directly, no worker)."""

from __future__ import annotations

import pytest

from charting.reports import treatments
from charting.reports.patient_history import build_history
from charting.reports.rendering import render_pdf
from tests.factories import RESIDUAL, make_lot, make_vial, signed_treatment, touched_up_review
from tests.reports.pdfs import flat_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(patient, injector):
    """A signed glabellar treatment (lot RV-10), reviewed and touched up 2 U on the
    left corrugator from lot TU-20, the review signed."""
    vial = make_vial(lot=make_lot(number="RV-10"), by=injector)
    treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
    touch_up_vial = make_vial(lot=make_lot(number="TU-20"), by=injector)
    touched_up_review(treatment=treatment, injector=injector, vial=touch_up_vial, grades=RESIDUAL)
    return treatment


def test_the_history_shows_the_review_findings_and_the_touch_up(reviewed, patient, injector):
    context = build_history(patient=patient)
    with_treatment = [c for c in context["visits"] if c.treatment]
    assert len(with_treatment) == 1  # the touch-up is no treatment of its own
    assert with_treatment[0].review is not None
    text = flat_text(render_pdf(template="pdf/history.html", context=context).content)
    assert "Two-week review" in text and "Much improved" in text and str(injector) in text
    # Residual against baseline, the patient's R first: corrugator R 0 (was 2), L 2 (was 3);
    # procerus 0 (was 2).
    assert "Corrugator supercilii 0 2 2 3 – –" in text
    assert "Procerus – – – – 0 2" in text
    assert "TU-20" in text and "Touch-up total 2 U" in text
    # Cycle totals: left corrugator 8 + 2 = 10 U; the cycle 20 + 2 = 22 U.
    assert "Corrugator supercilii Patient's L 8 +2 10 U" in text
    assert "All muscles 20 +2 22 U" in text
    assert "shown with the treatment of" in text  # on the review visit


def test_the_injection_map_of_the_treatment_has_the_touch_up_section(reviewed):
    pdf = treatments.injection_map_pdf(treatment_id=reviewed.pk, progress=lambda percent: None)
    text = flat_text(pdf.content)
    assert "Touch-up at the two-week review" in text
    assert "RV-10" in text and "TU-20" in text
    assert "Corrugator supercilii Patient's L 8 +2 10 U" in text


def test_an_unreviewed_treatment_has_no_review_section(patient, injector):
    treatment = signed_treatment(patient=patient, injector=injector)
    pdf = treatments.injection_map_pdf(treatment_id=treatment.pk, progress=lambda percent: None)
    assert "Touch-up" not in flat_text(pdf.content)
