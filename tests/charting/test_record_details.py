"""The smaller defects of the record on the tablet (issue 17, finding 9), one test each."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.reviews.review import sign_review
from planning.choices import VisitKind
from tests.factories import (
    GLABELLAR,
    PASSWORD,
    graded_review,
    make_consent,
    make_plan,
    make_vial,
    make_visit,
    screen,
    signed_treatment,
    touch_up,
)

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
