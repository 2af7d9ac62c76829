"""A treated central frontalis site at the review: graded in a row of its own beside
the frontalis left/right row, so the grid keeps its right and left columns."""

import re

import pytest
from django.urls import reverse

from charting.reviews.review import open_review, save_review
from charting.reviews.screens import residual_grid, review_rows
from tests.factories import GLABELLAR, signed_treatment
from tests.factories.reviews import two_weeks_after

pytestmark = pytest.mark.django_db

FOREHEAD = [("FRONT", "R", 4), ("FRONT", "R", 4), ("FRONT", "C", 4), ("FRONT", "L", 4)]
FOREHEAD += [("FRONT", "L", 4)]


@pytest.fixture
def review(patient, injector, vial):
    treatment = signed_treatment(
        patient=patient, injector=injector, vial=vial, points=FOREHEAD + GLABELLAR
    )
    return open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))


def test_the_midline_site_has_its_own_row(review):
    injections, _, findings, _ = review_rows(review)
    grid = residual_grid(review=review, injections=injections, findings=findings)[1]
    frontalis = [row for row in grid if row.muscle.code == "FRONT"]
    assert [(row.paired, [c.side for c in row.cells]) for row in frontalis] == [
        (True, ["R", "L"]),
        (False, ["C"]),
    ]


def test_the_midline_site_is_graded_and_drawn_across_both_columns(
    injector_client, review, injector
):
    grades = {"FRONT:L": "1", "FRONT:R": "1", "FRONT:C": "2", "CORR:L": "0", "CORR:R": "0"}
    review = save_review(review=review, version=review.version, grades={**grades, "PROC:C": "0"})
    assert review.findings.get(muscle__code="FRONT", side="C").grade == 2
    page = injector_client.get(reverse("reviews:review", args=[review.pk])).content.decode()
    row = re.search(r'<tr [^>]*data-testid="row-FRONT-C">(.*?)</tr>', page, re.S)
    assert row and "Frontalis (medial), midline site" in row.group(1)  # FRONT is the medial part
    assert re.search(r'<td class="mm-cell side-C[^"]*" colspan="2"', row.group(1))
    both = re.search(r'<tr [^>]*data-testid="row-FRONT">(.*?)</tr>', page, re.S).group(1)
    assert both.count('<td class="mm-cell') == 2 and "colspan" not in both
