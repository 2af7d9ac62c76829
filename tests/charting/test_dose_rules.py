"""The dose and interval rules hold wherever units are given (issue 16), one test
per finding, through the doors a clinic uses:

- the plan: ``planning.plans.finalize_plan`` (the plan page's "Finalize");
- the chart: the chart page shows the checks, ``charting.signing.sign_treatment``
  refuses a block and needs an acknowledgment of a warning that asks for one;
- the touch-up: ``charting.reviews.touchups.add_touch_up`` and its signing with
  the review;
- the screening: ``planning.screening.evaluate`` ("toxin in the last 90 days");
- toxin from elsewhere: ``planning.models.OutsideDose`` counted like our records.

Each of these failed on the code before this issue (seen: the chart of 520 U was
signed, two same-day 242 U plans were both finalized, a touch-up 77 days ago
warned at the 91-day return, reported toxin was ignored, a 60 U corrugator site
only warned)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from charting.chart import ChartInput, InjectionInput, save_chart
from charting.errors import ChartingError
from charting.reviews.errors import ReviewErrors
from charting.reviews.review import open_review
from charting.seal import verify
from charting.signing import sign_treatment
from planning.choices import VisitKind
from planning.models import Muscle, OutsideDose, Product, Visit
from planning.plan_points import PointInput
from planning.plans import finalize_plan
from planning.screening import acknowledge, evaluate, screening_state
from tests.factories import (
    ALL_NO,
    PASSWORD,
    charted_treatment,
    graded_review,
    make_plan,
    make_visit,
    screen,
    signed_treatment,
    touch_up,
)
from tests.factories.reviews import two_weeks_after

pytestmark = pytest.mark.django_db

# 242 U of one product without any site or area above the clinic's limits.
HEAVY = (
    [("MASS", "L", 15)] * 4
    + [("MASS", "R", 15)] * 4
    + [("PLAT", "L", 6)] * 12
    + [("CORR", "L", 10)] * 2
    + [("CORR", "R", 10)] * 2
    + [("PROC", "C", 10)]
)


def today():
    return timezone.localdate()


def move(visit, days_ago: int) -> None:
    """Date a visit ``days_ago`` days back (past treatments of the story)."""
    Visit.objects.filter(pk=visit.pk).update(date=today() - datetime.timedelta(days=days_ago))


def inputs(rows):
    muscles = Muscle.objects.in_bulk(field_name="code")
    return [
        PointInput(
            muscle=muscles[code],
            side=side,
            x=Decimal("0.3") + Decimal(n % 12) / 20,
            y=Decimal("0.3") + Decimal(n // 12) / 20,
            units=Decimal(str(units)),
        )
        for n, (code, side, units) in enumerate(rows)
    ]


def finalize(visit, injector, rows, *, product=None, acknowledgment="Discussed; goes ahead."):
    plan = make_plan(visit=visit, by=injector, product=product, points=[])
    return finalize_plan(
        plan=plan,
        points=inputs(rows),
        expected_version=plan.version,
        by=injector,
        acknowledgment=acknowledgment,
        screening=screening_state(visit=visit),
    )


def treatment_visit_today(patient, injector):
    """Screened today; its warnings (toxin in the last 90 days) acknowledged."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    state = screening_state(visit=visit)
    if state.needs_acknowledgment:
        acknowledge(screening=state.current, by=injector, note="Discussed the interval.")
    return visit


# --- 1. the chart is checked like the plan ---------------------------------------------------


def add_points(treatment, rows, vial):
    muscles = Muscle.objects.in_bulk(field_name="code")
    added = [
        InjectionInput(
            key=f"a{n}", units=str(units), vial_id=vial.pk, muscle_id=muscles[code].pk, side=side
        )
        for n, (code, side, units) in enumerate(rows)
    ]
    return save_chart(
        treatment=treatment,
        data=ChartInput(version=treatment.version, added=added, aftercare_given=True),
        by=treatment.started_by,
    )


def test_a_chart_far_above_its_plan_is_refused_at_signing(injector, patient, injector_client):
    """Doors: the chart page (checks shown) and signing (the authority)."""
    treatment = charted_treatment(patient=patient, injector=injector)  # plan: 20 U glabellar
    vial = treatment.injections.first().vial
    treatment = add_points(treatment, [("MASS", "L", 100)] * 5, vial)  # 520 U
    page = injector_client.get(reverse("charting:chart", args=[treatment.visit_id]))
    html = page.content.decode()
    assert 'data-testid="dose-blocked"' in html
    assert "Masseter: Patient&#39;s L 500 U is above the clinic&#39;s limit of 60 U" in html
    assert 'data-departure="MASS-L"' in html  # 0 U planned, 500 U given
    with pytest.raises(ChartingError, match="a site of 100 U is above"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD, acknowledgment="x")
    treatment.refresh_from_db()
    assert not treatment.is_signed


def test_more_than_planned_needs_an_acknowledgment_that_is_signed(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)
    vial = treatment.injections.first().vial
    treatment = add_points(treatment, [("CORR", "L", 2)], vial)  # 10 U on the left, 8 planned
    with pytest.raises(ChartingError, match="Acknowledge the warnings"):
        sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    signed = sign_treatment(
        treatment=treatment,
        by=injector,
        password=PASSWORD,
        acknowledgment="Stronger left corrugator on the day; +2 U discussed.",
    ).treatment
    assert signed.dose_acknowledgment.startswith("Stronger left corrugator")
    assert "departure-CORR-L" in {f["code"] for f in signed.dose_findings}
    assert verify(signed)  # the acknowledgment is part of what the signature covers


# --- 2. the ceiling: every window that holds the day, per ingredient, labelled right ----------


def test_two_same_day_plans_of_242_units_cannot_both_be_final(injector, patient):
    """Doors: two visits the same day, and two plans of one visit."""
    first = treatment_visit_today(patient, injector)
    finalize(first, injector, HEAVY)
    second = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError) as refused:
        finalize(second, injector, HEAVY)
    message = " ".join(refused.value.messages)
    assert "484 U of onabotulinumtoxinA" in message
    assert "BOTOX Cosmetic label's 400 U in a 3-month interval" in message
    with pytest.raises(ValidationError, match="400 U in a 3-month interval"):
        finalize(first, injector, HEAVY)  # a second plan on the same visit


def test_a_dose_60_days_later_is_counted_too(injector, patient):
    later = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    move(later, -60)  # booked and planned 60 days ahead
    make_plan(visit=later, by=injector, points=HEAVY, final=True)
    with pytest.raises(ValidationError, match="484 U of onabotulinumtoxinA"):
        finalize(treatment_visit_today(patient, injector), injector, HEAVY)


def test_a_product_without_a_label_figure_is_held_to_the_clinics_ceiling_never_as_label(
    injector, patient
):
    jeuveau = Product.objects.get(code="jeuveau")
    finalize(treatment_visit_today(patient, injector), injector, HEAVY, product=jeuveau)
    with pytest.raises(ValidationError) as refused:
        finalize(treatment_visit_today(patient, injector), injector, HEAVY, product=jeuveau)
    message = " ".join(refused.value.messages)
    assert "clinic's ceiling for Jeuveau, 400 U in any 90 days (clinic policy)" in message
    assert "label" not in message.lower().replace("labelled", "")


def test_dysport_has_no_figure_on_file_and_says_so(injector, patient):
    dysport = Product.objects.get(code="dysport")
    rows = [(code, side, units * 2) for code, side, units in HEAVY]  # 484 U, within its limits
    finalize(treatment_visit_today(patient, injector), injector, rows, product=dysport)
    _, checks = finalize(treatment_visit_today(patient, injector), injector, rows, product=dysport)
    window = next(c for c in checks if c.code == "ceiling-window")
    assert "Dysport label states no cumulative figure" in window.message


def test_units_of_another_ingredient_are_never_added(injector, patient):
    dysport = Product.objects.get(code="dysport")
    finalize(treatment_visit_today(patient, injector), injector, HEAVY, product=dysport)
    _, checks = finalize(treatment_visit_today(patient, injector), injector, HEAVY)
    assert not [c for c in checks if c.code.startswith("ceiling")]


# --- 3. a touch-up belongs to its cycle ---------------------------------------------------------


def cycle_with_touch_up(patient, injector, *, session_days_ago, touch_up_days_ago):
    treatment = signed_treatment(patient=patient, injector=injector)
    review = graded_review(treatment=treatment, injector=injector)
    touch_up(review=review, vial=treatment.injections.first().vial, by=injector)
    from charting.reviews.review import sign_review

    sign_review(review=review, by=injector, password=PASSWORD)
    move(treatment.visit, session_days_ago)
    move(review.visit, touch_up_days_ago)
    return treatment, review


def test_a_touch_up_does_not_restart_the_90_days(injector, patient):
    """Doors: the screening and the plan."""
    cycle_with_touch_up(patient, injector, session_days_ago=91, touch_up_days_ago=77)
    visit = treatment_visit_today(patient, injector)
    codes = {f.code for f in evaluate(answers=ALL_NO, patient=patient, on=today()).findings}
    assert "toxin_in_our_records" not in codes
    _, checks = finalize(visit, injector, [("CORR", "L", 4)], acknowledgment="")
    assert "retreatment-interval" not in {c.code for c in checks}


def test_the_interval_warning_names_the_session_and_its_touch_up(injector, patient):
    treatment, review = cycle_with_touch_up(
        patient, injector, session_days_ago=80, touch_up_days_ago=66
    )
    visit = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError, match="Acknowledge the warnings"):
        finalize(visit, injector, [("CORR", "L", 4)], acknowledgment="")
    _, checks = finalize(visit, injector, [("CORR", "L", 4)])
    interval = next(c for c in checks if c.code == "retreatment-interval")
    session = today() - datetime.timedelta(days=80)
    assert f"Toxin 80 days ago: the last treatment on {session:%b %-d, %Y}" in interval.message
    assert "touch-up on" in interval.message and "belongs to that cycle" in interval.message


def test_a_touch_up_past_the_area_limit_is_refused(injector, patient):
    """Door: the touch-up. The cycle's session and touch-up count together."""
    treatment = charted_treatment(
        patient=patient, injector=injector, points=[("MASS", "L", 15)] * 4
    )  # 60 U: the masseter's limit per side
    sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    review = open_review(treatment=treatment, by=injector, on=two_weeks_after(treatment))
    with pytest.raises(ReviewErrors) as refused:
        touch_up(
            review=review,
            vial=treatment.injections.first().vial,
            by=injector,
            muscle="MASS",
            units="5",
        )
    assert "Masseter: Patient's L 65 U is above the clinic's limit" in refused.value.errors["units"]
    review.refresh_from_db()
    assert review.touch_up_id is None  # nothing half-saved


# --- 4. toxin from elsewhere ------------------------------------------------------------------


def test_reported_toxin_counts_in_the_ceiling_and_the_interval(injector, patient):
    OutsideDose.objects.create(
        patient=patient,
        given_on=today() - datetime.timedelta(days=30),
        product=Product.objects.get(code="botox-cosmetic"),
        units=Decimal("380"),
        where="Another clinic (migraine)",
        recorded_by=injector,
    )
    visit = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError) as refused:
        finalize(visit, injector, [("CORR", "L", 10), ("CORR", "R", 10), ("PROC", "C", 4)])
    message = " ".join(refused.value.messages)
    assert "404 U of onabotulinumtoxinA" in message and "patient-reported" in message
    _, checks = finalize(visit, injector, [("CORR", "L", 4)])
    interval = next(c for c in checks if c.code == "retreatment-interval")
    assert "toxin elsewhere (patient-reported)" in interval.message


def test_reported_toxin_of_unknown_product_needs_an_acknowledgment(injector, patient):
    OutsideDose.objects.create(
        patient=patient,
        given_on=today() - datetime.timedelta(days=40),
        month_only=True,
        recorded_by=injector,
    )
    visit = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError, match="Acknowledge the warnings"):
        finalize(visit, injector, [("CORR", "L", 4)], acknowledgment="")


# --- 7. hard limits that scale with how far off a dose is ---------------------------------


@pytest.mark.parametrize("units", ["22", "60"])
def test_a_corrugator_site_above_the_clinics_limit_blocks(injector, patient, units):
    visit = treatment_visit_today(patient, injector)
    with pytest.raises(ValidationError, match=f"a site of {units} U is above"):
        finalize(visit, injector, [("CORR", "L", units)])


def test_practice_ranges_speak_of_the_side_that_is_out(injector, patient):
    visit = treatment_visit_today(patient, injector)
    _, checks = finalize(visit, injector, [("DAO", "L", 6), ("DAO", "R", 3)])
    practice = next(c for c in checks if c.code == "practice-mouth-corners")
    assert "Patient's L 6 U is outside the usual range 2–4 U per side" in practice.message
    assert "Patient's R" not in practice.message


def test_screening_answers_still_block_before_any_dose(injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    screen(visit, injector, yes=["infection_at_site"])
    with pytest.raises(ValidationError, match="Blocked"):
        finalize(visit, injector, [("CORR", "L", 4)])


# --- the Django admin: the clinic's limits and ceilings are edited there, labels are not ---


def test_a_limit_edited_in_the_admin_is_the_one_every_door_applies(admin_client, injector, patient):
    from planning.models import DoseLimit

    limit = DoseLimit.objects.get(product__code="botox-cosmetic", area_code="glabellar")
    url = reverse("admin:planning_doselimit_change", args=[limit.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    data = {
        "product": limit.product_id,
        "area_code": limit.area_code,
        "area": limit.area,
        "muscles": [m.pk for m in limit.muscles.all()],
        "basis": limit.basis,
        "max_per_site": "3",
        "max_units": "60",
        "source_note": "Our clinic: at most 3 U a glabellar site.",
    }
    assert admin_client.post(url, data).status_code == 302
    with pytest.raises(ValidationError, match="a site of 4 U is above the clinic's most per site"):
        finalize(treatment_visit_today(patient, injector), injector, [("CORR", "L", 4)])


def test_the_label_ceiling_is_read_only_in_the_admin(admin_client):
    botox = Product.objects.get(code="botox-cosmetic")
    page = admin_client.get(reverse("admin:planning_product_change", args=[botox.pk]))
    html = page.content.decode()
    assert 'name="policy_ceiling_units"' in html
    assert 'name="label_ceiling_units"' not in html  # shown, never an input
    assert "400 U in a 3-month interval" in html


# --- 9. smaller label facts -------------------------------------------------------------------


@pytest.mark.parametrize(("age", "matches"), [(64, True), (65, False)])
def test_dysports_glabellar_label_is_for_adults_under_65(injector, patient, age, matches):
    born = today().replace(year=today().year - age) - datetime.timedelta(days=1)
    type(patient).objects.filter(pk=patient.pk).update(date_of_birth=born)
    patient.refresh_from_db()
    dysport = Product.objects.get(code="dysport")
    rows = [("CORR", "L", 10)] * 2 + [("CORR", "R", 10)] * 2 + [("PROC", "C", 10)]  # 5 × 10 U
    _, checks = finalize(treatment_visit_today(patient, injector), injector, rows, product=dysport)
    codes = {c.code: c for c in checks}
    assert ("label-glabellar" in codes) is matches
    assert ("label-age-glabellar" in codes) is not matches
    if not matches:
        assert (
            "label is for adults under 65; the patient is 65"
            in codes["label-age-glabellar"].message
        )


def test_the_chart_page_checks_the_form_live_without_saving(injector, patient, injector_client):
    """Door: the chart page before saving (charting.views.chart.preview; the role matrix
    keeps the front desk out of it like every chart URL)."""
    treatment = charted_treatment(patient=patient, injector=injector)
    proc = treatment.injections.get(muscle__code="PROC")
    url = reverse("charting:chart_preview", args=[treatment.visit_id])
    form = {"version": treatment.version, f"u-{proc.pk}": "40"}
    for injection in treatment.injections.exclude(pk=proc.pk):
        form[f"u-{injection.pk}"] = str(injection.units)
    response = injector_client.post(url, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "a site of 40 U is above the clinic" in html and "not saved yet" in html
    assert 'data-departure="PROC-C"' in html
    proc.refresh_from_db()
    assert proc.units == 4  # nothing saved


# --- 10. what is left in a single-patient vial is waste -----------------------------------


def test_what_is_left_in_the_vial_is_recorded_as_waste_at_signing(injector, patient):
    treatment = charted_treatment(patient=patient, injector=injector)  # 20 U from a 100 U vial
    signed = sign_treatment(treatment=treatment, by=injector, password=PASSWORD).treatment
    assert signed.wasted_units == 80
    assert verify(signed)  # the waste is part of what was signed


def test_a_touch_up_with_a_warning_to_acknowledge_takes_the_reviews_note(injector, patient):
    """Door: the review's signing of a touch-up (unknown toxin from elsewhere 20 days ago)."""
    from charting.reviews.review import save_review, sign_review

    treatment = signed_treatment(patient=patient, injector=injector)
    OutsideDose.objects.create(
        patient=patient, given_on=today() - datetime.timedelta(days=20), recorded_by=injector
    )
    review = graded_review(treatment=treatment, injector=injector)
    touch_up(review=review, vial=treatment.injections.first().vial, by=injector)
    with pytest.raises(ChartingError, match="write it in the review's note"):
        sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    review = save_review(
        review=review,
        version=review.version,
        grades={"CORR:L": "2", "CORR:R": "0", "PROC:C": "0"},
        gais="2",
        satisfaction="2",
        note="Other clinic's toxin discussed; 2 U touch-up agreed.",
    )
    sign_review(review=review, by=injector, password=PASSWORD)
    review.refresh_from_db()
    assert review.touch_up.dose_acknowledgment.startswith("Other clinic's toxin discussed")


# --- issue 17, finding 1: where a point is drawn is where it is recorded -------------------


def test_a_touch_up_drawn_on_the_other_side_is_refused(injector, patient):
    """Door: the touch-up (the plan's door is tests/planning/test_plan_save.py)."""
    from planning.face import default_position

    treatment = signed_treatment(patient=patient, injector=injector)
    review = graded_review(treatment=treatment, injector=injector)
    x, y = default_position("CORR", "L")  # drawn on the patient's left corrugator
    with pytest.raises(ReviewErrors) as refused:
        touch_up(
            review=review,
            vial=treatment.injections.first().vial,
            by=injector,
            side="R",  # recorded as the right one
            x=str(x),
            y=str(y),
        )
    assert "drawn on CORR (patient's L), not on CORR (patient's R)" in refused.value.errors["xy"]
    review.refresh_from_db()
    assert review.touch_up_id is None


# --- a plan is its visit's treatment --------------------------------------------------------


def test_a_plan_never_counts_its_own_visits_signed_chart(injector, patient, injector_client):
    """A plan and its visit's signed chart are one treatment: the plan's checks leave
    the visit's chart out, as a chart leaves out its visit's plans (an alternative plan
    of the visit too: once charted, the chart is the visit's treatment); another visit's
    record still counts (and another final plan of a visit not yet charted: either may
    be given, test_two_same_day_plans_of_242_units_cannot_both_be_final). Doors: the plan
    page and its live preview (``planning.plans.run_checks``, which saving, finalizing
    and the demo data call too). Seen red before the rule: "90 U ... (this plan 45 U;
    signed chart of ..., 45 U)" for one 45 U treatment."""
    from planning.plans import run_checks

    treatment = charted_treatment(patient=patient, injector=injector, points=HEAVY[:3])
    visit, plan = treatment.visit, treatment.visit.plans.get()
    alternative = make_plan(visit=visit, by=injector, points=HEAVY[:3], final=True)
    sign_treatment(treatment=treatment, by=injector, password=PASSWORD)
    for each in (plan, alternative):
        checks = run_checks(plan=each, points=list(each.points.select_related("muscle")))
        assert not [c for c in checks if c.code.startswith("ceiling")], checks
    page = injector_client.get(plan.get_absolute_url())
    assert "signed chart of" not in page.text
    assert "plan-errors" not in page.text and page.status_code == 200
    posted = [
        {"muscle": p.muscle.code, "side": p.side, "x": float(p.x), "y": float(p.y),
         "units": str(p.units)}
        for p in plan.points.select_related("muscle")
    ]  # fmt: skip
    preview = injector_client.post(
        reverse("planning:plan_preview", args=[plan.pk]),
        {"points": json.dumps(posted), "version": plan.version},
    )
    assert preview.status_code == 200 and 'data-testid="checks"' in preview.text
    assert "signed chart of" not in preview.text

    # another visit's plan the same day counts beside it
    other = treatment_visit_today(patient, injector)
    _, checks = finalize(other, injector, HEAVY[:3])
    window = next(c for c in checks if c.code == "ceiling-window")
    assert "90 U of onabotulinumtoxinA" in window.message, window.message
    assert "signed chart of" in window.message


def test_a_plan_on_a_review_visit_counts_the_touch_up_signed_there(injector, patient):
    """A touch-up is charted on the review visit from the earlier visit's plan: it is
    not what a plan of the review visit became, and counts beside it (the door: the
    plan's checks, ``planning.plans.run_checks``). Seen red with touch-ups left out as
    the visit's chart."""
    from planning.plans import run_checks

    _, review = cycle_with_touch_up(patient, injector, session_days_ago=30, touch_up_days_ago=16)
    plan = make_plan(visit=review.visit, by=injector, points=HEAVY[:3])
    checks = run_checks(plan=plan, points=list(plan.points.select_related("muscle")))
    window = next(c for c in checks if c.code == "ceiling-window")
    assert "touch-up of" in window.message, window.message
