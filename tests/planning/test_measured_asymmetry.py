"""Measured asymmetry shown to the injector (issue 21): the wording per side and sign,
what was not measured and why, averages of several photos, the movement map's panel."""

import pytest
from django.test import Client
from django.urls import reverse

from planning.asymmetry import Change, Difference, photos_of, readings
from planning.choices import VisitKind
from planning.measurements import MEASURES_BY_KEY, REPEATABILITY_MM
from planning.models import MeasurementStatus, Photo
from tests.factories import GLABELLAR, MEASURING_MODEL, grade, make_plan, make_visit, measured_photo
from tests.planning.test_plan_page import PLAN_PAGE_QUERIES
from tests.queries import audit_event, joined_read

pytestmark = pytest.mark.django_db

BROW_TAIL = MEASURES_BY_KEY["brow_tail"]
APERTURE = MEASURES_BY_KEY["aperture"]


def test_the_higher_side_is_named_in_words_never_a_bare_sign():
    assert Difference(BROW_TAIL, right=14.2, left=11.8).words == "brow tail R +2.4 mm higher"
    assert Difference(BROW_TAIL, right=11.8, left=14.2).words == "brow tail L +2.4 mm higher"
    assert Difference(APERTURE, right=9.0, left=10.6).words == "eye opening L +1.6 mm wider"


def test_a_difference_within_the_repeatability_is_level():
    within = REPEATABILITY_MM["brow_tail"]
    d = Difference(BROW_TAIL, right=12.0, left=12.0 + within)
    assert d.level and d.side == ""
    assert d.words == f"brow tail level within ±{within:.1f} mm"
    assert Difference(APERTURE, right=9.0, left=9.4).words.startswith("eye opening equal within")
    assert d.repeatability_words == f"± {within:.1f} mm"


def test_the_review_comparison_says_before_and_after_and_a_changed_side():
    before = Difference(BROW_TAIL, right=14.2, left=11.8)
    assert Change(before, Difference(BROW_TAIL, right=12.6, left=11.0)).words == (
        "brow tail difference R 2.4 → R 1.6 mm"
    )
    assert Change(before, Difference(BROW_TAIL, right=12.0, left=11.4)).words == (
        "brow tail difference R 2.4 → R 0.6 mm, now level within ±0.9 mm"
    )
    assert Change(before, Difference(BROW_TAIL, right=11.0, left=13.0)).words == (
        "brow tail difference R 2.4 → L 2.0 mm, the higher side changed"
    )


def test_a_visits_photos_read_per_expression_and_moment(visit):
    measured_photo(visit=visit, values={"brow_tail": {"R": 14.0, "L": 12.0}})
    measured_photo(visit=visit, values={"brow_tail": {"R": 14.4, "L": 11.6}})
    measured_photo(visit=visit, status=MeasurementStatus.PENDING)
    measured_photo(
        visit=visit, status=MeasurementStatus.UNUSABLE, reason="the face is turned 14° away"
    )
    measured_photo(visit=visit, status=MeasurementStatus.FAILED, reason="iris not found")
    measured_photo(visit=visit, expression="BROWS", moment="max", patient_uploaded=True)
    rest, brows = readings(photos_of([visit.pk]))
    assert rest.label == "Rest, at rest" and brows.label == "Raise brows, at maximum"
    assert rest.measured == 2 and rest.averaged_words == "mean of 2 photos"
    (tail,) = rest.differences
    assert (tail.right, tail.left, tail.words) == (14.2, 11.8, "brow tail R +2.4 mm higher")
    assert rest.models == [" ".join(MEASURING_MODEL)]
    assert rest.notes == [
        "1 photo being measured",
        "Not measurable: the face is turned 14° away",
        "Measurement failed: iris not found",
    ]
    assert brows.differences == []
    assert brows.notes == [
        "1 photo sent by the patient: orientation and sides not verified, not measured"
    ]


def test_the_movement_map_shows_each_expressions_measurements(injector_client, visit):
    measured_photo(visit=visit, values={"brow_tail": {"R": 14.2, "L": 11.8}})
    measured_photo(
        visit=visit,
        expression="SQUINT",
        moment="max",
        reason="iris not found <b>",
        status=MeasurementStatus.UNUSABLE,
    )
    response = injector_client.get(reverse("planning:movement_map", args=[visit.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "brow tail R +2.4 mm higher" in html
    assert "(R 14.2 · L 11.8 mm, ± 0.9 mm)" in html
    assert "Not measurable: iris not found &lt;b&gt;" in html  # the engine's words, escaped
    assert "11.7 mm" in html and "population average" in html
    assert " ".join(MEASURING_MODEL) in html


def test_a_map_without_photos_says_nothing_of_measurements(injector_client, visit):
    response = injector_client.get(reverse("planning:movement_map", args=[visit.pk]))
    assert response.status_code == 200
    assert "population average" not in response.content.decode()


def test_the_plan_shows_the_consultations_measurements_as_context(
    injector_client, injector, patient
):
    consultation = make_visit(patient=patient, injector=injector, days_ago=7, screened=True)
    grade(consultation, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2})
    measured_photo(visit=consultation, values={"brow_tail": {"R": 11.8, "L": 14.2}})
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    response = injector_client.get(plan.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "brow tail L +2.4 mm higher" in html
    assert "context only: no dose rule reads it" in html
    assert response.context["measured_visit"] == consultation
    # The suggestions are the grades' alone: the same as without the measurement.
    corr = next(s for s in response.context["suggestions"] if s.muscle.code == "CORR")
    assert corr.units == {"L": 10, "R": 8}


@pytest.mark.parametrize("photos", [1, 12])
def test_the_plan_pages_queries_do_not_grow_with_photos(
    injector_client, injector, patient, photos, django_assert_num_queries
):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    grade(visit, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "FROWN.PROC.C": 2})
    for n in range(photos):
        measured_photo(visit=visit, values={"brow_tail": {"R": 14.0 + n / 10, "L": 12.0}})
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        response = injector_client.get(plan.get_absolute_url())
    assert response.context["measured"][0].measured == photos


@pytest.mark.parametrize("photos", [1, 12])
def test_the_maps_queries_do_not_grow_with_measured_photos(
    injector_client, visit, photos, django_assert_num_queries
):
    for n in range(photos):
        measured_photo(visit=visit, values={"brow_tail": {"R": 14.0, "L": 12.0 + n / 10}})
    measured_photo(visit=visit, status=MeasurementStatus.PENDING)
    # As tests/planning/test_movement_map.py counts it, without comparing and with no
    # grade yet: 1 session, 2 user, 3 roles, 4 the visit with its screening and its photos
    # with their expressions and measurements (one statement, whatever their number),
    # 6 expressions, 7 their muscles, 8 the map (none: no observations to read),
    # 10 the active location, 11 the location menu; the read is audited (audit_event(); the
    # visit's patient is handed over by the view, not read again).
    with django_assert_num_queries(11 - 2 + joined_read(2) + audit_event()):
        response = injector_client.get(reverse("planning:movement_map", args=[visit.pk]))
    rest = next(g for g in response.context["groups"] if g.expression.code == "REST")
    assert rest.readings[0].measured == photos and rest.readings[0].pending == 1


def test_the_front_desk_sees_no_measurement(client, front_desk, injector, patient, visit):
    measured_photo(visit=visit, values={"brow_tail": {"R": 14.2, "L": 11.8}})
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    injector_client = Client()
    injector_client.force_login(injector)
    client.force_login(front_desk)
    for url in (
        reverse("planning:movement_map", args=[visit.pk]),
        plan.get_absolute_url(),
        reverse("reports:patient_history", args=[patient.pk]),
    ):
        assert client.get(url).status_code == 403
        assert "R +2.4 mm higher" in injector_client.get(url).content.decode()
    page = client.get(reverse("patient_detail", args=[patient.pk])).content.decode()
    assert "mm higher" not in page and "population average" not in page


def test_the_plan_prints_no_measurement_card_before_anything_is_measured(
    injector_client, injector, visit
):
    measured_photo(visit=visit, status=MeasurementStatus.PENDING)
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    response = injector_client.get(plan.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="measured-asymmetry"' not in response.content.decode()
    # The map says the photo is being measured, without the scale sentence.
    page = injector_client.get(reverse("planning:movement_map", args=[visit.pk]))
    assert "1 photo being measured" in page.content.decode()
    assert 'data-testid="measured-scale"' not in page.content.decode()


def test_a_test_portraits_measurements_say_where_the_picture_comes_from(visit):
    """The demo's test portrait (Photo.source_note) is named wherever its measurements
    are shown (the readings' notes: map, plan, review, record), not on the photo alone."""
    photo = measured_photo(visit=visit, values={"brow_tail": {"R": 14.2, "L": 11.8}})
    Photo.objects.filter(pk=photo.pk).update(source_note="Test portrait, not this patient.")
    (reading,) = readings(photos_of([visit.pk]))
    assert reading.notes == ["Test portrait, not this patient."]
    assert reading.differences[0].words == "brow tail R +2.4 mm higher"
