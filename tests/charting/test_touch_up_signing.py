"""A touch-up (a chart on a review visit) is signed with the review, never from
the chart page: that would book yet another two-week review."""

from __future__ import annotations

import pytest
from django.urls import reverse

from charting.errors import ChartingError
from charting.models import DueReview, Treatment
from charting.signing import TOUCH_UP_MESSAGE, sign_treatment
from tests.factories import PASSWORD, make_vial, signed_treatment, touched_up_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(patient, injector):
    """A review of a signed treatment with a touch-up charted, not signed yet."""
    vial = make_vial(by=injector)
    treatment = signed_treatment(patient=patient, injector=injector, vial=vial)
    return touched_up_review(treatment=treatment, injector=injector, vial=vial, signed=False)


def test_signing_a_touch_up_through_charting_is_refused(review, injector, patient):
    due_before = DueReview.objects.filter(patient=patient).count()
    with pytest.raises(ChartingError, match=TOUCH_UP_MESSAGE):
        sign_treatment(treatment=review.touch_up, by=injector, password=PASSWORD)
    assert not Treatment.objects.get(pk=review.touch_up_id).is_signed
    assert DueReview.objects.filter(patient=patient).count() == due_before  # nothing booked


def test_the_chart_page_of_a_review_visit_points_to_the_review(review, injector_client):
    page = injector_client.get(reverse("charting:chart", args=[review.visit_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert TOUCH_UP_MESSAGE in html
    assert reverse("reviews:review", args=[review.pk]) in html
    assert 'data-testid="sign-button"' not in html


def test_a_posted_signature_on_a_review_visit_is_refused(review, injector_client):
    response = injector_client.post(
        reverse("charting:sign", args=[review.visit_id]),
        {"password": PASSWORD, "review_days": 14},
    )
    assert response.status_code == 422
    assert TOUCH_UP_MESSAGE in response.content.decode()
    assert not Treatment.objects.get(pk=review.touch_up_id).is_signed
