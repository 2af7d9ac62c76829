"""Test data for reviews: signed sessions with a baseline map, opened reviews (invented)."""

from __future__ import annotations

from charting.chart import chart_from_plan
from charting.reviews.review import open_review, save_review
from charting.signing import sign_treatment
from tests.charting.factories import make_consent, make_vial, treatment_visit
from tests.factories import PASSWORD
from tests.planning.factories import grade

# Glabellar 5 × 4 U: CORR R 8 U, PROC C 4 U, CORR L 8 U. Baseline: left corrugator stronger.
BASELINE = {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "FROWN.PROC.C": 2, "REST.CORR.L": 1}


def signed_session(*, patient, injector, vial=None, baseline=BASELINE):
    """A signed glabellar session today (consent, every point on ``vial``); signing
    books its two-week review through clinic.scheduling."""
    visit, plan = treatment_visit(patient=patient, injector=injector)
    if baseline:
        grade(visit, injector, baseline)
    make_consent(visit=visit, plan=plan, by=injector)
    treatment = chart_from_plan(visit=visit, plan=plan, by=injector)
    treatment.injections.update(vial=vial or make_vial(by=injector))
    return sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment


def graded_review(*, treatment, injector, grades, gais="2", satisfaction="2"):
    review = open_review(treatment=treatment, by=injector)
    return save_review(
        review=review,
        version=review.version,
        grades=grades,
        gais=gais,
        satisfaction=satisfaction,
    )


def make_review(*, patient, injector):
    """An open review of a fresh signed session (for pages that take a review_id)."""
    from charting.models import Lot
    from tests.charting.factories import make_lot

    lot = Lot.objects.filter(number="RV-1").first() or make_lot(number="RV-1")
    return open_review(
        treatment=signed_session(
            patient=patient, injector=injector, vial=make_vial(lot=lot, by=injector)
        ),
        by=injector,
    )
