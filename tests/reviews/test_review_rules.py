"""Review rules: the residual grid, refusals, touch-ups with charting's rules, signing."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from charting.errors import ChartingError
from charting.models import DueReview, Injection, Treatment
from charting.models.locking import SignedRecordError
from charting.reviews.cycles import cycles_by_product
from charting.reviews.errors import ReviewError, ReviewErrors
from charting.reviews.models import Finding, Review
from charting.reviews.review import add_side_effect, open_review, save_review, sign_review
from charting.reviews.screens import cycle_totals, residual_grid, review_rows
from charting.seal import verify
from planning.models import Product
from tests.factories import (
    PASSWORD,
    RESIDUAL,
    PatientFactory,
    charted_treatment,
    graded_review,
    make_lot,
    make_vial,
    touch_up,
)
from tests.factories.reviews import two_weeks_after

pytestmark = pytest.mark.django_db


def grid_for(review):
    injections, _, findings, _ = review_rows(review)
    return residual_grid(review=review, injections=injections, findings=findings)[1]


def test_the_grid_holds_only_the_treated_muscles_with_their_baseline(treatment, injector):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    rows = {row.muscle.code: row for row in grid_for(review)}
    assert set(rows) == {"CORR", "PROC"}
    assert {c.side: c.baseline for c in rows["CORR"].cells} == {"L": 3, "R": 2}
    assert [(c.side, c.baseline) for c in rows["PROC"].cells] == [("C", 2)]
    assert review.visit.kind == "review" and review.visit.patient == treatment.visit.patient


def test_remaining_asymmetry_is_computed(treatment, injector):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    rows = {row.muscle.code: row for row in grid_for(review)}
    assert rows["CORR"].asymmetric and rows["CORR"].stronger == "L"
    assert not rows["PROC"].asymmetric
    review = save_review(
        review=review, version=review.version, grades={"CORR:L": "1", "CORR:R": "1"}
    )
    assert not {row.muscle.code: row for row in grid_for(review)}["CORR"].asymmetric
    finding = review.findings.get(muscle__code="CORR", side="L")
    assert (finding.grade, finding.baseline_grade) == (1, 3)


def test_grading_a_muscle_that_was_not_treated_is_refused_and_nothing_saved(treatment, injector):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    with pytest.raises(ReviewErrors) as refused:
        save_review(
            review=review,
            version=review.version,
            grades={"CORR:L": "2", "FRONT:L": "2"},
        )
    assert "not treated in this cycle" in refused.value.errors["g:FRONT:L"]
    assert not Finding.objects.exists()
    assert Review.objects.get().version == review.version


def test_a_stale_form_does_not_overwrite(treatment, injector):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    with pytest.raises(ReviewError, match="another tab"):
        save_review(review=review, version=review.version - 1, grades={"CORR:L": "3"})


def test_a_review_of_another_patients_treatment_is_refused(treatment, injector):
    with pytest.raises(ReviewError, match="another patient"):
        open_review(
            treatment=treatment,
            by=injector,
            patient=PatientFactory(),
            on=two_weeks_after(treatment),
        )
    assert not Review.objects.exists()


def test_a_review_needs_a_signed_treatment(patient, injector):
    unsigned = charted_treatment(patient=patient, injector=injector)
    with pytest.raises(ReviewError, match="not signed"):
        open_review(treatment=unsigned, by=injector, on=two_weeks_after(unsigned))


def test_opening_twice_gives_the_same_review(treatment, injector):
    assert open_review(
        treatment=treatment, by=injector, on=two_weeks_after(treatment)
    ) == open_review(treatment=treatment, by=injector)


def test_touch_up_units_add_to_the_cycle_per_muscle_and_side(treatment, injector, vial):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    touch_up(review=review, vial=vial, by=injector)
    review.refresh_from_db()
    added = review.touch_up
    assert added.visit == review.visit and added.product == treatment.product
    injections, touch_ups, findings, effects = review_rows(review)
    totals = {
        (row.muscle.code, c.side): (c.original, c.touch_up, c.total)
        for row in cycle_totals(
            injections=injections, touch_ups=touch_ups, findings=findings, side_effects=effects
        )
        for c in row.cells
    }
    assert totals == {
        ("CORR", "R"): (D("8"), D("0"), D("8")),
        ("CORR", "L"): (D("8"), D("2"), D("10")),
        ("PROC", "C"): (D("4"), D("0"), D("4")),
    }
    point = added.injections.get()
    original = treatment.injections.filter(muscle__code="CORR", side="L").last()
    assert (point.x, point.y) == (original.x, original.y)  # not tapped: at the treatment's point


@pytest.mark.parametrize(
    ("lot_kwargs", "message"),
    [
        ({"number": "EXP-1", "expiry_days": -1}, "expired"),
        ({"number": "REC-1", "status": "recalled", "note": "Notice 7"}, "recalled"),
        ({"number": "QUA-1", "status": "quarantined", "note": "Cold chain"}, "quarantined"),
    ],
)
def test_touch_ups_follow_the_lot_rules(treatment, injector, lot_kwargs, message):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    bad_vial = make_vial(lot=make_lot(**lot_kwargs), by=injector)
    with pytest.raises(ReviewErrors) as refused:
        touch_up(review=review, vial=bad_vial, by=injector)
    assert message in refused.value.errors["vial"]
    assert Treatment.objects.count() == 1  # no touch-up opened


def test_a_vial_past_its_use_by_or_of_another_product_is_refused(treatment, injector, vial):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    old = make_vial(lot=vial.lot, by=injector, at=timezone.now() - datetime.timedelta(hours=25))
    dysport = make_vial(
        lot=make_lot(product=Product.objects.get(code="dysport"), number="DY-1"),
        by=injector,
        vial_units=300,
    )
    for vial, message in ((old, "use a new vial"), (dysport, "never interchangeable")):
        with pytest.raises(ReviewErrors) as refused:
            touch_up(review=review, vial=vial, by=injector)
        assert message in refused.value.errors["vial"]


@pytest.mark.parametrize(
    ("code", "side", "units", "field", "message"),
    [
        ("CORR", "L", "0", "units", "more than 0"),
        ("CORR", "L", "1.3", "units", "steps of 0.5"),
        ("CORR", "L", "two", "units", "as a number"),
        ("FRONT", "L", "2", "muscle", "not treated in this cycle"),
        ("PROC", "L", "2", "side", "charted C"),
    ],
)
def test_touch_up_input_is_checked_by_charting_rules(
    treatment, injector, vial, code, side, units, field, message
):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    with pytest.raises(ReviewErrors) as refused:
        touch_up(review=review, vial=vial, by=injector, muscle=code, side=side, units=units)
    assert message in refused.value.errors[field]
    assert not Injection.objects.filter(treatment__visit=review.visit).exists()


def test_signing_locks_review_and_touch_up_and_clears_the_due_review(treatment, injector, vial):
    assert DueReview.objects.with_state().get(treatment=treatment).state == "booked"
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    touch_up(review=review, vial=vial, by=injector)
    sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    assert review.is_signed and review.visit.status == "completed"
    assert review.touch_up.is_signed and verify(review.touch_up)
    assert DueReview.objects.with_state().get(treatment=treatment).state == "done"
    with pytest.raises(ReviewError, match="no touch-up can be added after signing"):
        touch_up(review=review, vial=vial, by=injector, units="1")
    with pytest.raises(SignedRecordError):
        review.touch_up.injections.update(units=D("5"))
    with pytest.raises(ReviewError, match="signed and locked"):
        save_review(review=review, version=review.version, grades={"CORR:L": "0"})


def test_signing_needs_every_treated_side_graded_gais_and_the_password(treatment, injector):
    review = graded_review(treatment=treatment, injector=injector, grades={"CORR:L": "1"}, gais="")
    with pytest.raises(ReviewError) as refused:
        sign_review(review=review, by=injector, password=PASSWORD)
    assert "missing: CORR R, PROC C" in refused.value.message
    assert "GAIS" in refused.value.message
    with pytest.raises(ChartingError, match="password"):
        sign_review(review=review, by=injector, password="wrong")
    assert not Review.objects.get().is_signed


def test_an_opened_but_empty_touch_up_is_dropped_at_signing(treatment, injector, vial):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    injection = touch_up(review=review, vial=vial, by=injector)
    injection.delete()
    sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    assert review.touch_up is None and Treatment.objects.count() == 1


def test_a_side_effect_lowers_next_cycles_suggestion_where_it_points(treatment, injector, vial):
    review = graded_review(treatment=treatment, injector=injector, grades=RESIDUAL)
    add_side_effect(review=review, kind="eyelid_ptosis", side="L", started_on=treatment.visit.date)
    touch_up(review=review, vial=vial, by=injector)
    sign_review(review=review, by=injector, password=PASSWORD)
    [product] = cycles_by_product(patient=treatment.visit.patient)
    rows = {(r.muscle.code, r.side): r.suggestion for r in product.rows}
    # 8 U + 2 U touch-up, then ptosis: strictly below the 8 U session that preceded it
    assert (rows[("CORR", "L")].rule, rows[("CORR", "L")].units) == ("side_effect", D("7.5"))
    assert (rows[("CORR", "R")].rule, rows[("CORR", "R")].units) == ("no_residual", D("8"))
    assert rows[("PROC", "C")].rule == "no_residual"  # ptosis on the left: midline untouched


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "sneeze"}, "kind", "Choose what happened"),
        ({"kind": "other"}, "note", "Describe"),
        ({"kind": "headache", "started_on": "2020-01-01"}, "started_on", "before the treatment"),
        ({"kind": "headache", "started_on": "not a date"}, "started_on", "Enter a date"),
    ],
)
def test_side_effects_refuse_bad_input(treatment, injector, fields, field, message):
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    with pytest.raises(ReviewErrors) as refused:
        add_side_effect(review=review, **fields)
    assert message in refused.value.errors[field]
    assert not review.side_effects.exists()
