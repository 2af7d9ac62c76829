"""The two-week review: graded, touched up and signed through its own rules (invented)."""

from __future__ import annotations

import datetime

from charting.review_timing import DEFAULT_REVIEW_DAYS, treated_day
from charting.reviews.models import Review
from charting.reviews.next_steps import record_next_step
from charting.reviews.review import open_review, save_review, sign_review
from charting.reviews.touchups import add_touch_up
from planning.models import Muscle

from .charting import signed_treatment
from .clinic import PASSWORD

# Two weeks after the glabellar treatment: the left corrugator still moves, the rest is still.
RESIDUAL = {"CORR:L": "2", "CORR:R": "0", "PROC:C": "0"}


def two_weeks_after(treatment) -> datetime.date:
    """The review day booked by default (day 14): a review opened then is on time and
    takes a touch-up without a timing reason (charting.review_timing)."""
    return treated_day(treatment) + datetime.timedelta(days=DEFAULT_REVIEW_DAYS)


def graded_review(*, treatment, injector, grades=RESIDUAL, gais="2", satisfaction="2") -> Review:
    """The treatment's review, opened at two weeks and graded (``grades``:
    {"CORR:L": "2", ...})."""
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    return save_review(
        review=review,
        version=review.version,
        grades=grades,
        gais=gais,
        satisfaction=satisfaction,
    )


def touch_up(*, review, vial, by, muscle="CORR", side="L", units="2", **point):
    """One touch-up injection through the review's rules: 2 U on the left corrugator
    unless told."""
    return add_touch_up(
        review=review,
        muscle_id=Muscle.objects.get(code=muscle).pk,
        side=side,
        units=units,
        vial_id=vial.pk,
        by=by,
        **point,
    )


def touched_up_review(*, treatment, injector, vial, grades=RESIDUAL, signed=True) -> Review:
    """The treatment's review: graded, a 2 U touch-up on the left corrugator from
    ``vial``, signed unless told."""
    review = graded_review(treatment=treatment, injector=injector, grades=grades)
    touch_up(review=review, vial=vial, by=injector)
    if signed:
        sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    return review


def make_review(*, patient, injector) -> Review:
    """An open review, at two weeks, of a fresh signed treatment (for pages that take a
    review_id)."""
    treatment = signed_treatment(patient=patient, injector=injector)
    return open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))


def make_next_step(
    *, review, by, kind="referral", detail="Brow ptosis from laxity, surgical opinion", days=21
):
    """A staged next step recorded at ``review`` through its rule, due ``days`` after the
    treatment (invented)."""
    due = treated_day(review.treatment) + datetime.timedelta(days=days)
    return record_next_step(
        review=review, kind=kind, detail=detail, refer_to="Oculoplastic surgeon", due_on=due, by=by
    )
