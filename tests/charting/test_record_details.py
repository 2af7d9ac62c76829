"""The smaller defects of the record on the tablet (issue 17, finding 9), one test each."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from charting.reviews.review import sign_review
from planning.choices import VisitKind
from tests.factories import (
    GLABELLAR,
    PASSWORD,
    charted_treatment,
    graded_review,
    make_consent,
    make_lot,
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
