"""The review's measurements against the baseline of the treated cycle (issue 21): the
treatment visit's photos, else the consultation's, same expression and moment, "→"."""

import pytest
from django.urls import reverse

from charting.reviews.review import open_review
from charting.signing import sign_treatment
from tests.factories import PASSWORD, charted_treatment, grade, make_visit, measured_photo
from tests.factories.reviews import two_weeks_after
from tests.queries import audit_event

pytestmark = pytest.mark.django_db

TAIL_BEFORE = {"brow_tail": {"R": 14.2, "L": 11.8}, "aperture": {"R": 9.0, "L": 10.6}}
TAIL_AFTER = {"brow_tail": {"R": 12.4, "L": 11.8}, "aperture": {"R": 9.1, "L": 9.3}}


def _signed(treatment, injector):
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def test_the_review_shows_each_measure_before_and_now(patient, injector, injector_client):
    treatment = charted_treatment(patient=patient, injector=injector)
    measured_photo(visit=treatment.visit, values=TAIL_BEFORE)
    treatment = _signed(treatment, injector)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    measured_photo(visit=review.visit, values=TAIL_AFTER)
    measured_photo(
        visit=review.visit,
        expression="BROWS",
        moment="max",
        reason="not frontal",
        status="unusable",
    )
    response = injector_client.get(review.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "brow tail difference R 2.4 → R 0.6 mm, now level within ±0.9 mm" in html
    assert "eye opening difference L 1.6 → L 0.2 mm, now equal within ±1.2 mm" in html
    assert "Not measurable: not frontal" in html
    rest = response.context["measured"][0]
    assert rest.baseline_visit == treatment.visit


def test_without_treatment_photos_the_consultation_is_the_baseline(
    patient, injector, injector_client
):
    consultation = make_visit(patient=patient, injector=injector, days_ago=10, screened=True)
    grade(consultation, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2})
    measured_photo(visit=consultation, values={"brow_tail": {"R": 11.0, "L": 13.5}})
    treatment = _signed(
        charted_treatment(patient=patient, injector=injector, baseline={}), injector
    )
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    measured_photo(visit=review.visit, values={"brow_tail": {"R": 13.0, "L": 11.2}})
    response = injector_client.get(review.get_absolute_url())
    assert "brow tail difference L 2.5 → R 1.8 mm, the higher side changed" in (
        response.content.decode()
    )
    assert response.context["measured"][0].baseline_visit == consultation


def test_a_review_without_photos_prints_no_measurement_section(patient, injector, injector_client):
    treatment = _signed(charted_treatment(patient=patient, injector=injector), injector)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    response = injector_client.get(review.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="measured-comparison"' not in response.content.decode()


@pytest.mark.parametrize("photos", [1, 8])
def test_the_review_pages_queries_do_not_grow_with_photos(
    patient, injector, injector_client, photos, django_assert_num_queries
):
    treatment = charted_treatment(patient=patient, injector=injector)
    for _ in range(photos):
        measured_photo(visit=treatment.visit, values=TAIL_BEFORE)
    treatment = _signed(treatment, injector)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    for _ in range(photos):
        measured_photo(visit=review.visit, values=TAIL_AFTER)
    # As tests/reviews/test_review_pages.py counts it (the photos with their
    # measurements are one query, whatever their number).
    with django_assert_num_queries(12 + 3 + 1 + 1 + audit_event()):
        response = injector_client.get(review.get_absolute_url())
    assert response.context["measured"][0].review.measured == photos


def test_the_front_desk_never_sees_the_reviews_measurements(patient, injector, desk_client):
    treatment = charted_treatment(patient=patient, injector=injector)
    measured_photo(visit=treatment.visit, values=TAIL_BEFORE)
    treatment = _signed(treatment, injector)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    measured_photo(visit=review.visit, values=TAIL_AFTER)
    assert desk_client.get(review.get_absolute_url()).status_code == 403
    assert desk_client.get(reverse("reviews:photos", args=[review.pk])).status_code == 403


def test_the_photos_side_by_side_show_what_each_photo_measured(patient, injector, injector_client):
    treatment = charted_treatment(patient=patient, injector=injector)
    measured_photo(visit=treatment.visit, values=TAIL_BEFORE)
    treatment = _signed(treatment, injector)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    measured_photo(visit=review.visit, status="pending")
    html = injector_client.get(reverse("reviews:photos", args=[review.pk])).content.decode()
    assert "brow tail R +2.4 mm higher" in html  # under the baseline photo
    assert "1 photo being measured" in html  # under the review photo
    assert "population average" in html
