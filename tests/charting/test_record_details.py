"""The smaller defects of the record on the tablet (issue 17, finding 9), one test each."""

from __future__ import annotations

import base64
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from charting.consent import clean_signature
from charting.errors import ChartingError
from charting.reports import treatments
from charting.reviews.review import sign_review
from clinic import demo as clinic_demo
from clinic.models import Patient
from clinic.patients import create_patient
from planning.choices import VisitKind
from planning.movement import CellInput, save_observations
from tests.factories import (
    GLABELLAR,
    PASSWORD,
    charted_treatment,
    data_url,
    graded_review,
    make_consent,
    make_lot,
    make_plan,
    make_vial,
    make_visit,
    screen,
    signature_png,
    signed_treatment,
    touch_up,
    treatment_visit,
)
from tests.test_sides_convention import pdf_words

pytestmark = pytest.mark.django_db


def test_a_consultation_that_is_treated_lists_as_a_treatment(injector_client, injector, patient):
    """(a) The visit list names the visit by what it became. Door: the chart's start
    (``charting.chart.chart_from_plan``, the one way a chart is opened)."""
    visit = make_visit(patient=patient, injector=injector)  # booked as a consultation
    screen(visit, injector, at=timezone.now())
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR, final=True)
    make_consent(visit=visit, plan=plan, by=injector)
    injector_client.post(reverse("charting:chart_start", args=[visit.pk]), {"plan": plan.pk})
    visit.refresh_from_db()
    assert visit.kind == VisitKind.TREATMENT
    html = injector_client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    row = re.search(r'class="list-group-item list-group-item-action.*?</a>', html, re.S).group(0)
    assert "Treatment" in row and "Consultation" not in row


def test_the_sign_button_forgets_a_touch_up_whose_points_are_all_removed(
    injector_client, injector, patient
):
    """(b) Doors: the touch-up page's remove (``charting.reviews.touchups.remove_touch_up``),
    then the review page and its signing."""
    vial = make_vial(by=injector)
    treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
    review = graded_review(treatment=treatment, injector=injector)
    point = touch_up(review=review, vial=vial, by=injector)
    page = reverse("reviews:review", args=[review.pk])
    assert "(with the touch-up)" in injector_client.get(page).content.decode()
    injector_client.post(
        reverse("reviews:touch_up_remove", args=[review.pk]), {"injection": point.pk}
    )
    review.refresh_from_db()
    assert review.touch_up is None
    html = injector_client.get(page).content.decode()
    assert "(with the touch-up)" not in html
    sign_review(review=review, by=injector, password=PASSWORD)
    assert "The review is locked." in injector_client.get(page).content.decode()


def test_two_vials_of_one_lot_read_differently_in_every_select(injector_client, injector, patient):
    """(c) Doors: the chart's "all points" and per-point selects and the touch-up's
    select (all from ``Vial.__str__`` / ``short_label``)."""
    lot = make_lot()
    opened = (timezone.now() - datetime.timedelta(minutes=10)).replace(second=5, microsecond=0)
    first = make_vial(by=injector, lot=lot, at=opened)
    second = make_vial(by=injector, lot=lot, at=opened + datetime.timedelta(seconds=40))
    treatment = charted_treatment(patient=patient, injector=injector, vial=first)
    html = injector_client.get(reverse("charting:chart", args=[treatment.visit_id])).content
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', html.decode())
    labels = {pk: set() for pk in (str(first.pk), str(second.pk))}
    for pk, text in options:
        if pk in labels and text.startswith(lot.number) and "exp" not in text:  # vials only
            labels[pk].add(text)
    assert labels[str(first.pk)] and labels[str(second.pk)]
    assert not labels[str(first.pk)] & labels[str(second.pk)]  # no select shows them alike
    assert f"vial {first.pk}" in str(first) and ":05" in first.short_label


def _drawn(*lines, size=(600, 200)) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    for line in lines:
        draw.line(line, fill=(17, 24, 39, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return data_url(out.getvalue())


def test_one_short_stroke_is_not_a_signature_and_the_page_says_why(
    injector_client, injector, patient
):
    """(d) Doors: the consent page (``record_consent``) and the demo data both call
    ``charting.consent.clean_signature``; tests/charting/test_demo_signatures.py seeds
    the demo through it."""
    short = _drawn([(250, 100), (350, 70)])  # 104 px of a 600 px box: once accepted
    dash = _drawn([(60, 120), (540, 124)])  # long, but a straight line
    for value, words in ((short, "One short stroke"), (dash, "straight line")):
        with pytest.raises(ChartingError) as refused:
            clean_signature(value)
        assert words in refused.value.message and refused.value.field == "signature"
    name = _drawn([(60, 150), (150, 60), (240, 150), (330, 60), (420, 150)])
    assert clean_signature(name)  # a scribbled name across the box
    assert clean_signature(data_url(signature_png()))  # the factories' signature
    visit, plan = treatment_visit(patient=patient, injector=injector)
    page = injector_client.post(
        reverse("charting:consent", args=[visit.pk]),
        {"signed_name": "Maya Lockwood", "signature": short},
    )
    html = page.content.decode()
    assert page.status_code == 422 and 'data-testid="signature-error"' in html
    assert "One short stroke is not a signature" in html and "Maya Lockwood" in html
    assert not visit.consents.exists()


def test_a_cell_note_is_shown_whole_on_the_map_and_at_the_review(
    injector_client, injector, patient
):
    """(e) The one grade cell (planning/grade_cell.jinja) draws the note of the
    movement map's cells and of the review's residual grid: a wrapping textarea sized
    to the note, with the whole note as its title."""
    visit = make_visit(patient=patient, injector=injector, screened=True)
    note = (
        "Pulls harder on the patient's left after the 2024 filler; patient reports a "
        "heavier brow by evening and wants the lateral tail kept mobile."
    )
    save_observations(visit=visit, by=injector, cells=[CellInput("FROWN", "CORR", "L", 2, note)])
    html = injector_client.get(reverse("planning:movement_map", args=[visit.pk])).content
    cell = re.search(
        r'<textarea[^>]*name="n:FROWN\.CORR\.L"[^>]*>([^<]*)</textarea>', html.decode()
    )
    assert cell, "the note is in a textarea that wraps, not a one-line input"
    shown = cell.group(1).replace("&#39;", "'").replace("&#x27;", "'")
    assert shown == note
    rows = int(re.search(r'rows="(\d+)"', cell.group(0)).group(1))
    assert rows >= 3  # tall enough for 140 characters at about 40 a line


def test_the_consent_pdf_names_the_product(injector, patient, tmp_path):
    """(g) Doors: the consent page (``record_consent``) and the demo data store the
    product as named at signing (``charting.consent.product_name``); the PDF prints it."""
    visit, plan = treatment_visit(patient=patient, injector=injector)
    consent = make_consent(visit=visit, plan=plan, by=injector)
    assert consent.product_name == "BOTOX Cosmetic (onabotulinumtoxinA)"
    text = pdf_words(
        treatments.consent_pdf(consent_id=consent.pk, progress=print).content, tmp_path, "c"
    )
    assert "BOTOX Cosmetic (onabotulinumtoxinA)" in text
    assert "Corrugator supercilii (Patient's R, Patient's L)" in text  # sides as everywhere


def test_the_injection_map_numbers_its_dots_as_its_table(injector, patient):
    """(h) The printed diagram's dots carry the numbers of the injections table's rows
    (``charting.reports.treatments.summary``: one list for both; the injection map and
    the history's treatment section print it)."""
    treatment = signed_treatment(patient=patient, injector=injector)
    shown = treatments.summary(treatments.with_rows().get(pk=treatment.pk))
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', str(shown["diagram"])).group(1)
    svg = base64.b64decode(src).decode()
    dots = re.findall(
        r'<g class="pt side-(\w)"[^>]*data-muscle="(\w+)"[^>]*>.*?class="pt-number"[^>]*>(\d+)<',
        svg,
        re.S,
    )
    rows = [(i.side, i.muscle.code, str(n)) for n, i in enumerate(shown["injections"], 1)]
    assert dots == rows and len(rows) == 5


@pytest.mark.parametrize("prefix, width", [("C", 6), ("RC", 4)])
def test_new_patients_and_the_demo_share_the_clinics_numbering(settings, prefix, width):
    """(f) One scheme per clinic (settings CHART_NUMBER_PREFIX, CHART_NUMBER_WIDTH):
    the allocator (``clinic.patients.create_patient``, the patient form's door) and
    the demo (clinic/demo.py, and the planning and charting demos that name its
    patients by number) both number through ``chart_number_for``."""
    settings.CHART_NUMBER_PREFIX, settings.CHART_NUMBER_WIDTH = prefix, width
    clinic_demo.seed(io.StringIO())
    numbers = set(Patient.objects.values_list("chart_number", flat=True))
    assert numbers == {f"{prefix}-{n:0{width}d}" for n in range(1, 41)}
    new = create_patient(
        data={"first_name": "Nia", "last_name": "Newcomer", "date_of_birth": "1991-04-02"}
    )
    assert new.chart_number == f"{prefix}-{41:0{width}d}"  # after the demo's, same scheme
