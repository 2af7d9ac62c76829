"""The dose rules' inputs (planning.treatment_history.history, one SQL statement):
what counts and what never does, for the cases tests/charting/test_dose_rules.py does
not reach through its doors (issue 22): drafts, cancelled visits, another patient, the
window's edge, a reported dose of another ingredient (the interval, never the ceiling),
a month-only reported dose in the window, an unsigned touch-up, an earlier cycle's
touch-up."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from charting.reviews.review import sign_review
from planning import treatment_history
from planning.choices import DoseKind, VisitKind, VisitStatus
from planning.models import OutsideDose, Product
from tests.charting.test_dose_rules import (
    cycle_with_touch_up,
    finalize,
    treatment_visit_today,
)
from tests.factories import (
    PASSWORD,
    PatientFactory,
    graded_review,
    make_plan,
    make_visit,
    signed_treatment,
    touch_up,
)

pytestmark = pytest.mark.django_db

BOTOX = "onabotulinumtoxinA"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def history(patient, *, ingredient=BOTOX, before=None):
    return treatment_history.history(
        patient=patient,
        ingredient=ingredient,
        since=days_ago(89),
        until=days_ago(-89),
        before=before,
    )


def final_plan(patient, injector, *, ago, units, status=None, final=True):
    visit = make_visit(
        patient=patient, injector=injector, days_ago=ago, kind=VisitKind.TREATMENT, status=status
    )
    return make_plan(visit=visit, by=injector, points=[("MASS", "L", units)], final=final)


def test_drafts_cancelled_visits_other_patients_and_days_outside_the_window_never_count(
    injector, patient
):
    final_plan(patient, injector, ago=10, units=20)
    final_plan(patient, injector, ago=89, units=5)  # the window's first day
    final_plan(patient, injector, ago=90, units=7)  # a day before it
    final_plan(patient, injector, ago=20, units=30, final=False)  # a draft
    final_plan(patient, injector, ago=30, units=40, status=VisitStatus.CANCELLED)
    final_plan(PatientFactory(), injector, ago=10, units=50)  # another patient
    doses = history(patient).doses
    assert [(d.on, d.units, d.kind) for d in doses] == [
        (days_ago(89), Decimal("5"), DoseKind.PLAN),
        (days_ago(10), Decimal("20"), DoseKind.PLAN),
    ]
    last = history(patient, before=days_ago(0)).last_session
    assert last.on == days_ago(10) and not last.reported  # not the cancelled visit's


def test_a_reported_dose_of_another_ingredient_starts_the_interval_but_never_adds(
    injector, patient
):
    OutsideDose.objects.create(
        patient=patient,
        given_on=days_ago(20),
        product=Product.objects.get(code="dysport"),
        units=Decimal("390"),
        recorded_by=injector,
    )
    found = history(patient, before=days_ago(0))
    assert found.doses == []
    assert found.last_session.reported and found.last_session.on == days_ago(20)
    visit = treatment_visit_today(patient, injector)
    _, checks = finalize(visit, injector, [("CORR", "L", 10), ("CORR", "R", 10)])
    codes = {c.code for c in checks}
    assert "retreatment-interval" in codes and not {"ceiling-label", "ceiling-policy"} & codes


def test_a_month_only_reported_dose_counts_on_its_months_last_day(injector, patient):
    first = days_ago(89)
    month_end = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    month_end -= datetime.timedelta(days=1)
    OutsideDose.objects.create(
        patient=patient,
        given_on=first.replace(day=1),  # the month's first day may lie before the window
        month_only=True,
        product=Product.objects.get(code="botox-cosmetic"),
        units=Decimal("100"),
        recorded_by=injector,
    )
    [dose] = history(patient).doses
    assert (dose.on, dose.units, dose.kind) == (month_end, Decimal("100"), DoseKind.REPORTED)
    # A month not over by the day asked about is not a session before it.
    OutsideDose.objects.create(
        patient=patient, given_on=days_ago(0).replace(day=1), month_only=True, recorded_by=injector
    )
    assert history(patient, before=days_ago(0)).last_session.on == month_end


def test_only_a_signed_touch_up_counts_and_is_named(injector, patient):
    treatment = signed_treatment(patient=patient, injector=injector)
    review = graded_review(treatment=treatment, injector=injector)
    touch_up(review=review, vial=treatment.injections.first().vial, by=injector)
    session, review_day = treatment.visit.date, review.visit.date  # today, in two weeks
    after = review_day + datetime.timedelta(days=1)
    found = history(patient, before=after)
    assert [d.kind for d in found.doses] == [DoseKind.CHART]  # the touch-up is unsigned
    assert found.last_session.on == session and found.last_session.touch_up_on is None
    sign_review(review=review, by=injector, password=PASSWORD)
    found = history(patient, before=after)
    assert [d.kind for d in found.doses] == [DoseKind.CHART, DoseKind.TOUCH_UP]
    assert found.last_session.touch_up_on == review_day


def test_an_earlier_cycles_touch_up_is_not_named_with_a_later_session(injector, patient):
    cycle_with_touch_up(patient, injector, session_days_ago=100, touch_up_days_ago=86)
    final_plan(patient, injector, ago=40, units=20)
    last = history(patient, before=days_ago(0)).last_session
    assert last.on == days_ago(40) and last.touch_up_on is None
    assert history(patient, before=days_ago(50)).last_session.touch_up_on == days_ago(86)
