"""Measured asymmetry across visits (issue 21): a small server-rendered SVG chart per
measure on the patient's history page and in the history PDF, one point per measured
visit, beside the units charted per side to the muscles that move it; no section when
nothing was measured; constant queries."""

import re

import pytest
from django.urls import reverse

from charting.reports import history_pages
from charting.reports.models import HistoryPart
from charting.reports.patient_history import build_history
from charting.signing import sign_treatment
from tests.factories import PASSWORD, charted_treatment, make_visit, measured_photo
from tests.queries import audit_event
from tests.reports.pdfs import flat_text

pytestmark = pytest.mark.django_db

# The brow's medial end (moved by the frontalis, the corrugators and the procerus).
MEDIAL = [
    {"brow_medial": {"R": 20.0, "L": 22.4}},  # L +2.4 mm higher
    {"brow_medial": {"R": 21.0, "L": 22.1}},  # L +1.1 mm higher
    {"brow_medial": {"R": 21.5, "L": 21.8}},  # level within ±0.9 mm
]


def measured_cycles(patient, injector, *, visits: int = 2):
    """``visits`` measured consultations, 300, 200, ... days ago, then a treatment
    today measured before it was signed (the glabellar dose: CORR 8 U a side, PROC 4 U)."""
    for n in range(visits):
        consultation = make_visit(
            patient=patient, injector=injector, days_ago=100 * (visits - n), screened=True
        )
        measured_photo(visit=consultation, values=MEDIAL[min(n, 1)])
    make_visit(patient=patient, injector=injector, days_ago=50)  # no photo: no point
    treatment = charted_treatment(patient=patient, injector=injector)
    measured_photo(visit=treatment.visit, values=MEDIAL[2])
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def history_url(patient):
    return reverse("reports:patient_history", args=[patient.pk])


def test_the_history_page_charts_one_point_per_measured_visit(injector_client, patient, injector):
    measured_cycles(patient, injector)
    html = injector_client.get(history_url(patient)).content.decode()
    (series,) = re.findall(r'<div class="asym-series".*?</table>', html, re.S)
    assert series.count('class="asym-point"') == 3  # two consultations and the treatment
    assert "<svg" in series and "<script" not in html.split("measured-history")[1]
    assert "L +2.4 mm higher" in series and "level within ±0.9 mm" in series
    # The units beside it: the patient's R first, the midline procerus on its own.
    assert "CORR R 8 U · L 8 U; PROC C 4 U" in series
    assert "11.7 mm" in html and "population average" in html


def test_no_measurement_no_section(injector_client, patient, injector):
    make_visit(patient=patient, injector=injector, days_ago=30)
    html = injector_client.get(history_url(patient)).content.decode()
    assert "Measured asymmetry" not in html and "asym-series" not in html


@pytest.mark.parametrize("visits", [1, 6])
def test_the_history_pages_queries_do_not_grow_with_visits(
    injector_client, patient, injector, visits, django_assert_num_queries
):
    measured_cycles(patient, injector, visits=visits)
    # 1 session, 2 user, 3 the user's roles, 4 the patient, 5 the history reports,
    # 6 the patient's visits, 7 their photos with their measurements, 8 the units of
    # their signed charts, 9 the active location, 10 the location menu; the read is
    # audited (audit_event()).
    with django_assert_num_queries(10 + audit_event()):
        response = injector_client.get(history_url(patient))
    assert response.content.decode().count('class="asym-point"') == visits + 1


def test_the_history_pdf_prints_the_measurements_in_its_front_matter(patient, injector):
    measured_cycles(patient, injector)
    context = build_history(patient=patient)
    text = flat_text(history_pages.history_pdf(context=context).content)
    assert "Measured asymmetry across visits" in text
    assert "Brow height at its medial end" in text
    assert "L +2.4 mm higher" in text
    assert "CORR R 8 U · L 8 U; PROC C 4 U" in text
    assert "11.7 mm" in text


def test_the_history_pdf_has_no_measurement_section_without_measurements(patient, injector):
    treatment = charted_treatment(patient=patient, injector=injector)
    sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    text = flat_text(history_pages.history_pdf(context=build_history(patient=patient)).content)
    assert "Measured asymmetry" not in text
    assert "Summary" in text  # the front matter itself is there


def test_a_new_measurement_shows_although_the_signed_cycle_was_kept(patient, injector):
    """The chart is in the front matter, kept by its HTML (so laid out again when a
    measurement changes it): a kept cycle's pages never hold a chart that a later
    visit's measurement changes."""
    measured_cycles(patient, injector, visits=1)
    first = flat_text(history_pages.history_pdf(context=build_history(patient=patient)).content)
    parts = HistoryPart.objects.filter(treatment__isnull=False)
    fronts = HistoryPart.objects.filter(treatment=None, patient=patient)
    assert parts.count() == 1 and fronts.count() == 1  # the treatment's pages, the front
    later = make_visit(patient=patient, injector=injector, screened=True)
    measured_photo(visit=later, values={"brow_medial": {"R": 24.0, "L": 21.0}})
    second = flat_text(history_pages.history_pdf(context=build_history(patient=patient)).content)
    assert "R +3.0 mm higher" in second and "R +3.0 mm higher" not in first
    assert parts.count() == 1  # the same kept part, used again
    assert fronts.count() == 2  # a new front: the chart in it changed
