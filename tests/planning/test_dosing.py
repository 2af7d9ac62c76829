"""The dose rules of planning/dosing.py, one test per rule, with the label numbers
of REFERENCE.md. Reference data (products, ranges) comes from the migrations."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from planning import dosing
from planning.choices import DoseKind
from planning.models import DoseLimit, DoseRange, Muscle, Product
from planning.treatment_history import DoseRecord, LastSession

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 1)


@pytest.fixture
def muscles():
    return {m.code: m for m in Muscle.objects.all()}


def pts(muscles, *rows):
    """rows: (code, side, units[, count])"""
    out = []
    for code, side, units, *count in rows:
        for _ in range(count[0] if count else 1):
            out.append(SimpleNamespace(muscle=muscles[code], side=side, units=Decimal(str(units))))
    return out


def checks_for(product_code, points, *, previous=Decimal("0"), last=None, screening="clear"):
    """``previous``: units of the same ingredient on a signed chart 30 days before;
    ``last``: the day of the last main session."""
    product = Product.objects.get(code=product_code)
    ranges = list(DoseRange.objects.for_product(product).prefetch_related("muscles"))
    limits = list(DoseLimit.objects.filter(product=product).prefetch_related("muscles"))
    state = SimpleNamespace(
        current=SimpleNamespace(findings=[]), needs_acknowledgment=False
    )  # a clear, current screening
    doses = (
        (DoseRecord(ON - datetime.timedelta(days=30), previous, product.brand, DoseKind.CHART),)
        if previous
        else ()
    )
    context = dosing.DoseContext(
        on=ON, doses=doses, last_session=LastSession(last) if last else None
    )
    return dosing.check_plan(
        product=product,
        points=points,
        ranges=ranges,
        limits=limits,
        context=context,
        screening=state if screening == "clear" else screening,
    )


def by_code(checks):
    return {c.code: c for c in checks}


# --- arithmetic ----------------------------------------------------------------------------


def test_volume_is_units_over_concentration():
    # BOTOX Cosmetic label: 100 U + 2.5 mL → 4 U per 0.1 mL, so 4 U = 0.1 mL.
    assert dosing.volume_ml(Decimal("4"), 100, Decimal("2.5")) == Decimal("0.100")
    assert dosing.volume_ml(Decimal("4"), 50, Decimal("1.25")) == Decimal("0.100")
    # Dysport 300 U + 2.5 mL: 10 U in 0.08 mL (label).
    assert dosing.volume_ml(Decimal("10"), 300, Decimal("2.5")) == Decimal("0.083")
    # Daxxify 8 U / 0.1 mL: 100 U + 1.25 mL.
    assert dosing.volume_ml(Decimal("8"), 100, Decimal("1.25")) == Decimal("0.100")
    with pytest.raises(ValueError):
        dosing.volume_ml(Decimal("4"), 100, Decimal("0"))


def test_totals_per_muscle_and_side_with_balance(muscles):
    points = pts(muscles, ("CORR", "L", 5, 2), ("CORR", "R", 4, 2), ("PROC", "C", 4))
    corr, proc = dosing.totals_by_muscle_side(points)
    assert (corr.muscle.code, corr.left, corr.right, corr.total) == ("CORR", 10, 8, 18)
    assert corr.difference == 2 and corr.percent == 20 and corr.points == 4
    assert (proc.centre, proc.total, proc.percent) == (4, 4, None)


def test_vials_needed_for_the_chosen_size():
    assert dosing.vials_needed(Decimal("44"), 100) == 1
    assert dosing.vials_needed(Decimal("64"), 50) == 2
    assert dosing.vials_needed(Decimal("100"), 100) == 1
    assert dosing.vials_needed(Decimal("0"), 100) == 0


# --- label --------------------------------------------------------------------------------


def test_label_glabellar_20_units_matched_is_info(muscles):
    points = pts(muscles, ("CORR", "L", 4, 2), ("CORR", "R", 4, 2), ("PROC", "C", 4))
    check = by_code(checks_for("botox-cosmetic", points))["label-glabellar"]
    assert check.level == dosing.INFO and check.source == "label"
    assert "; pattern 5 sites × 4 U" in check.message


def test_label_glabellar_different_total_warns(muscles):
    points = pts(muscles, ("CORR", "L", 6, 2), ("CORR", "R", 4, 2), ("PROC", "C", 4))
    check = by_code(checks_for("botox-cosmetic", points))["label-glabellar"]
    assert check.level == dosing.WARN
    assert "24 U in total differs" in check.message and "20 U total" in check.message


def test_label_lateral_canthal_12_per_side(muscles):
    even = by_code(
        checks_for("botox-cosmetic", pts(muscles, ("OOC", "L", 4, 3), ("OOC", "R", 4, 3)))
    )
    assert even["label-lateral-canthal"].level == dosing.INFO
    assert "; pattern 3 sites × 4 U per side" in even["label-lateral-canthal"].message
    uneven = pts(muscles, ("OOC", "L", 4, 3), ("OOC", "R", 5, 3))
    check = by_code(checks_for("botox-cosmetic", uneven))["label-lateral-canthal"]
    assert check.level == dosing.WARN and "R 15 U" in check.message


def test_label_forehead_goes_with_glabellar(muscles):
    alone = by_code(
        checks_for("botox-cosmetic", pts(muscles, ("FRONT", "L", 4, 3), ("FRONT", "R", 4, 2)))
    )
    assert alone["label-forehead"].level == dosing.INFO  # 20 U
    assert alone["label-forehead-with-glabellar"].level == dosing.WARN


def test_label_upper_face_64_units(muscles):
    upper = [("FRONT", "L", 4, 3), ("FRONT", "R", 4, 2), ("CORR", "L", 4, 2), ("CORR", "R", 4, 2)]
    upper += [("PROC", "C", 4), ("OOC", "L", 4, 3), ("OOC", "R", 4, 3)]
    checks = by_code(checks_for("botox-cosmetic", pts(muscles, *upper)))
    assert checks["label-upper-face"].level == dosing.INFO
    assert "64 U" in checks["label-upper-face"].message
    more = by_code(checks_for("botox-cosmetic", pts(muscles, *upper, ("FRONT", "L", 4))))
    assert more["label-upper-face"].level == dosing.WARN


def test_label_platysma_by_band_count(muscles):
    bands = pts(muscles, ("PLAT", "L", 15.5), ("PLAT", "R", 15.5))  # 31 U: 1 + 2 bands
    checks = by_code(checks_for("botox-cosmetic", bands))
    check = checks["label-platysma-1-2"]
    assert check.level == dosing.INFO and "1 + 2 bands" in check.message
    assert "practice-platysma" not in checks  # the label speaks for the muscle
    other = by_code(
        checks_for("botox-cosmetic", pts(muscles, ("PLAT", "L", 20), ("PLAT", "R", 20)))
    )
    assert other["label-platysma-1-1"].level == dosing.WARN
    assert "26 U total or 31 U total or 36 U total" in other["label-platysma-1-1"].message
    # The non-label practice range still says 40 U lies within its usual 30–60 U.
    assert other["practice-platysma"].level == dosing.INFO


def test_label_of_the_plans_product_only(muscles):
    # Dysport's glabellar label is 50 U (5 × 10 U); 20 U is not "the label" for Dysport.
    twenty = pts(muscles, ("CORR", "L", 4, 2), ("CORR", "R", 4, 2), ("PROC", "C", 4))
    assert by_code(checks_for("dysport", twenty))["label-glabellar"].level == dosing.WARN
    fifty = pts(muscles, ("CORR", "L", 10, 2), ("CORR", "R", 10, 2), ("PROC", "C", 10))
    check = by_code(checks_for("dysport", fifty))["label-glabellar"]
    assert check.level == dosing.INFO and "Dysport" in check.message


# --- practice -----------------------------------------------------------------------------


def test_outside_a_practice_range_warns(muscles):
    checks = by_code(
        checks_for("botox-cosmetic", pts(muscles, ("MASS", "L", 45), ("MASS", "R", 30)))
    )
    check = checks["practice-masseter"]
    assert check.level == dosing.WARN and check.source == "practice"
    assert (
        "usual range 20–40 U per side" in check.message and "paradoxical bulging" in check.message
    )
    within = by_code(checks_for("botox-cosmetic", pts(muscles, ("NAS", "L", 3), ("NAS", "R", 3))))
    assert within["practice-bunny-lines"].level == dosing.INFO


def test_practice_range_quiet_when_the_label_dose_is_matched(muscles):
    # 12 U per side of lateral orbicularis is the crow's-feet label, not a "brow lift" overdose.
    checks = by_code(checks_for("botox-cosmetic", pts(muscles, ("OOC", "L", 12), ("OOC", "R", 12))))
    assert "practice-brow-lift" not in checks


def test_muscle_without_any_range_is_said_so(muscles):
    checks = by_code(checks_for("dysport", pts(muscles, ("NAS", "L", 5))))
    assert checks["no-range-NAS"].level == dosing.INFO  # no conversion from BOTOX ranges


# --- windows and screening -------------------------------------------------------------------


def test_more_than_400_units_in_90_days_blocks(muscles):
    points = pts(muscles, ("CORR", "L", 4, 2), ("CORR", "R", 4, 2), ("PROC", "C", 4))  # 20 U
    assert "ceiling-label" not in by_code(
        checks_for("botox-cosmetic", points, previous=Decimal("380"))
    )
    checks = by_code(checks_for("botox-cosmetic", points, previous=Decimal("380.5")))
    assert checks["ceiling-label"].level == dosing.BLOCK
    assert "400.5 U" in checks["ceiling-label"].message
    assert "BOTOX Cosmetic label's 400 U in a 3-month interval" in checks["ceiling-label"].message
    info = by_code(
        checks_for("botox-cosmetic", pts(muscles, ("NAS", "L", 2)), previous=Decimal("60"))
    )
    assert info["ceiling-window"].level == dosing.INFO


def test_toxin_under_90_days_ago_warns_and_needs_acknowledgment(muscles):
    points = pts(muscles, ("NAS", "L", 2))
    check = by_code(checks_for("botox-cosmetic", points, last=ON - datetime.timedelta(days=89)))
    assert check["retreatment-interval"].level == dosing.WARN
    assert check["retreatment-interval"].needs_ack
    later = by_code(checks_for("botox-cosmetic", points, last=ON - datetime.timedelta(days=90)))
    assert "retreatment-interval" not in later


def test_a_blocked_screening_blocks(muscles):
    findings = [
        {"code": "infection_at_site", "level": "block", "message": "Infection", "source": "label"},
        {"code": "cows_milk_allergy", "level": "block", "message": "Milk", "source": "label",
         "products": ["dysport"]},
    ]  # fmt: skip
    state = SimpleNamespace(current=SimpleNamespace(findings=findings), needs_acknowledgment=False)
    checks = by_code(checks_for("botox-cosmetic", [], screening=state))
    assert checks["screening-infection_at_site"].level == dosing.BLOCK
    assert "screening-cows_milk_allergy" not in checks  # scoped to Dysport
    milk_only = SimpleNamespace(
        current=SimpleNamespace(findings=findings[1:]), needs_acknowledgment=False
    )
    assert "screening-cows_milk_allergy" in by_code(checks_for("dysport", [], screening=milk_only))
    assert not any(
        c.level == "block" for c in checks_for("botox-cosmetic", [], screening=milk_only)
    )
    missing = by_code(checks_for("botox-cosmetic", [], screening=None))
    assert missing["screening-missing"].level == dosing.BLOCK


def test_checks_are_sorted_worst_first(muscles):
    points = pts(muscles, ("MASS", "L", 20, 4), ("NAS", "L", 3), ("NAS", "R", 3))  # 20 U sites
    levels = [c.level for c in checks_for("botox-cosmetic", points, previous=Decimal("10"))]
    assert levels == sorted(levels, key=dosing.LEVEL_ORDER.get)
    assert levels[0] == dosing.BLOCK


# --- the area picks the range (issue 16, finding 8) -----------------------------------------


def placed(muscles, code, side, units, y):
    return SimpleNamespace(
        muscle=muscles[code], side=side, units=Decimal(str(units)), x=Decimal("0.3"), y=Decimal(y)
    )


def test_crows_feet_points_never_fire_the_brow_lift_range(muscles):
    """Crow's feet at eye level, 10 U a side: not the label's 12 U, and no "brow lift"
    warning either (its range is for points at the brow tail)."""
    crows_feet = [placed(muscles, "OOC", side, 5, "0.40") for side in ("L", "R")] * 2
    checks = by_code(checks_for("botox-cosmetic", crows_feet))
    assert checks["label-lateral-canthal"].level == dosing.WARN  # 10 U, label 12 U per side
    assert "practice-brow-lift" not in checks


def test_brow_tail_points_are_held_to_the_brow_lift_range(muscles):
    brow_tail = [placed(muscles, "OOC", "L", 4, "0.34"), placed(muscles, "OOC", "L", 4, "0.35")]
    checks = by_code(checks_for("botox-cosmetic", brow_tail))
    assert checks["practice-brow-lift"].level == dosing.WARN
    assert (
        "Patient's L 8 U is outside the usual range 2–5 U per side"
        in checks["practice-brow-lift"].message
    )
    assert "label-lateral-canthal" not in checks  # not crow's feet


def test_a_starting_dose_scaled_from_the_label_is_labelled_practice(muscles):
    from planning.suggestions import suggest

    product = Product.objects.get(code="botox-cosmetic")
    ranges = list(DoseRange.objects.for_product(product).prefetch_related("muscles"))

    def row(grade_left, grade_right):
        observations = [
            SimpleNamespace(muscle_id=muscles["CORR"].pk, side=side, grade=grade, at_rest=False)
            for side, grade in (("L", grade_left), ("R", grade_right))
        ]
        return next(
            r for r in suggest(muscles=[muscles["CORR"]], observations=observations, ranges=ranges)
        )

    at_label = row(2, 2)
    assert at_label.units == {"L": Decimal("8"), "R": Decimal("8")} and at_label.source == "label"
    scaled = row(3, 2)
    assert scaled.units["L"] == Decimal("10") and scaled.source == "practice"
    assert "scaled by grade" in scaled.basis


def test_a_suggestion_is_split_into_points_of_at_most_a_sites_dose(muscles):
    """Issue 16, finding 6: +15 U of crow's feet was one 15 U point."""
    from planning.models import DoseLimit
    from planning.suggestions import suggest

    product = Product.objects.get(code="botox-cosmetic")
    ranges = list(DoseRange.objects.for_product(product).prefetch_related("muscles"))
    limits = list(DoseLimit.objects.filter(product=product).prefetch_related("muscles"))
    codes = ("OOC", "FRONT", "MASS")
    observations = [
        SimpleNamespace(muscle_id=muscles[code].pk, side=side, grade=3, at_rest=False)
        for code in codes
        for side in ("L", "R")
    ]
    rows = {
        r.muscle.code: r
        for r in suggest(
            muscles=[muscles[c] for c in codes],
            observations=observations,
            ranges=ranges,
            limits=limits,
        )
    }
    assert rows["OOC"].units["L"] == 15 and rows["OOC"].splits["L"] == [4, 4, 3.5, 3.5]
    assert rows["FRONT"].units["R"] == Decimal("12.5") and max(rows["FRONT"].splits["R"]) <= 4
    # No label pattern: at most the clinic's most per site in the area (masseter 15 U).
    assert sum(rows["MASS"].splits["L"]) == rows["MASS"].units["L"] == 40
    assert max(rows["MASS"].splits["L"]) <= 15
