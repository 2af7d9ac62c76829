"""The plan editor in Chromium on a touch tablet: the face diagram, then the table."""

import pytest
from playwright.sync_api import expect

from planning.choices import VisitKind
from planning.models import TreatmentPlan
from planning.screening import acknowledge
from planning.units import format_units
from tests.factories import PASSWORD, grade, make_plan, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def wait_total(page, text):
    # expect() polls from Python: no string evaluated in the page, which the CSP forbids.
    expect(page.get_by_test_id("plan-total")).to_have_text(text)


def marker(page, muscle, side):
    return page.locator(f'.face-points .pt[data-muscle="{muscle}"][data-side="{side}"]')


def stored(plan):
    return sorted(
        (p.muscle.code, p.side, format_units(p.units))
        for p in TreatmentPlan.objects.get(pk=plan.pk).points.select_related("muscle")
    )


def new_plan(injector, patient):
    """An empty draft plan for today's treatment visit (screened clear)."""
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    return make_plan(visit=visit, by=injector)


def open_plan(page, injector, plan):
    """The injector signs in and opens the plan editor."""
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/plans/{plan.pk}/")


def tap_four_points(page):
    """Both corrugators, the procerus, the patient's left crow's feet."""
    for region in ("CORR-R", "CORR-L", "PROC-C", "OOC-L"):
        page.locator(f"#{region}").tap()
    assert page.locator(".face-points .pt").count() == 4
    wait_total(page, "16 U")


def give_the_left_corrugator_6_units(page):
    """Change one point's units: the stronger left corrugator gets 6 U."""
    marker(page, "CORR", "L").tap()
    editor = page.locator("[data-point-editor]")
    expect(editor).to_be_visible()
    editor.get_by_label("Units", exact=True).fill("6")
    editor.get_by_role("button", name="Done").click()
    assert marker(page, "CORR", "L").text_content() == "6"


def drag_the_crows_feet_to_the_patients_right(page):
    """Dragged to the patient's right side, the point becomes OOC R."""
    x, y = centre(marker(page, "OOC", "L").locator(".pt-dot"))
    tx, ty = centre(page.locator("#OOC-R"))
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    page.mouse.up()
    assert marker(page, "OOC", "R").count() == 1
    assert marker(page, "OOC", "L").count() == 0


def delete_the_procerus_point(page):
    """Deleted, undone (changed my mind), and deleted again."""
    points, editor = page.locator(".face-points .pt"), page.locator("[data-point-editor]")
    marker(page, "PROC", "C").tap()
    editor.get_by_role("button", name="Delete point").click()
    assert points.count() == 3
    page.get_by_role("button", name="Undo").click()
    assert marker(page, "PROC", "C").count() == 1
    marker(page, "PROC", "C").tap()
    editor.get_by_role("button", name="Delete point").click()
    assert points.count() == 3


def the_totals_and_balance_follow(page):
    """From the server's preview; the page knows it has unsaved changes."""
    wait_total(page, "14 U")
    assert "L +2 U" in page.get_by_test_id("balance-CORR").inner_text()
    assert "33%" in page.get_by_test_id("balance-CORR").inner_text()
    assert "Unsaved changes" in page.locator("[data-save-state]").inner_text()


def save_and_reload(page, plan):
    with page.expect_navigation():
        page.get_by_test_id("save-plan").click()
    expect(page.locator(".alert-success")).to_contain_text("Plan saved", use_inner_text=True)
    expected = [("CORR", "L", "6"), ("CORR", "R", "4"), ("OOC", "R", "4")]
    assert stored(plan) == expected
    page.reload()
    assert page.locator(".face-points .pt").count() == 3
    assert marker(page, "CORR", "L").text_content() == "6"
    assert page.get_by_test_id("plan-total").inner_text() == "14 U"


def edit_the_table_with_the_keyboard_alone(page):
    """Add a point, change one's units and another's side, remove one; the diagram
    follows. Returns the muscle of the table's first row before the edits."""
    points, table = page.locator(".face-points .pt"), page.get_by_test_id("points-table")
    page.get_by_label("Muscle of the new point").select_option("DAO")
    page.get_by_label("Side of the new point").select_option("L")
    page.get_by_label("Units of the new point").fill("3")
    page.get_by_role("button", name="Add point").focus()
    page.keyboard.press("Enter")
    assert points.count() == 4
    assert marker(page, "DAO", "L").text_content() == "3"
    units_1 = table.get_by_label("Point 1 units")  # the right corrugator (stored order)
    row_1_muscle = table.get_by_label("Point 1 muscle").input_value()
    units_1.fill("5")
    page.keyboard.press("Tab")
    table.get_by_label("Point 3 side").select_option("L")  # OOC R → L
    assert marker(page, "OOC", "L").count() == 1
    table.get_by_role("button", name="Remove point 2").focus()
    page.keyboard.press("Enter")
    assert points.count() == 3
    wait_total(page, "12 U")
    return row_1_muscle


def save_with_the_keyboard(page):
    page.get_by_test_id("save-plan").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Plan saved" in page.locator(".alert-success").inner_text()


def test_plan_on_the_diagram_then_the_table(page, injector, patient):
    plan = new_plan(injector, patient)
    open_plan(page, injector, plan)
    tap_four_points(page)
    give_the_left_corrugator_6_units(page)
    drag_the_crows_feet_to_the_patients_right(page)
    delete_the_procerus_point(page)
    the_totals_and_balance_follow(page)
    save_and_reload(page, plan)
    row_1_muscle = edit_the_table_with_the_keyboard_alone(page)
    save_with_the_keyboard(page)
    assert row_1_muscle == "CORR"
    assert stored(plan) == [("CORR", "R", "5"), ("DAO", "L", "3"), ("OOC", "L", "4")]


def test_asymmetric_plan_from_the_suggestions_finalized_with_an_acknowledgment(
    page, injector, patient
):
    earlier = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=30
    )
    make_plan(visit=earlier, by=injector, points=[("CORR", "L", 4)], final=True)
    plan = new_plan(injector, patient)
    # The screening found the treatment 30 days ago and the injector acknowledged it there.
    acknowledge(
        screening=plan.visit.screenings.get(), by=injector, note="Short interval discussed."
    )
    grade(plan.visit, injector, {"FROWN.CORR.L": 3, "FROWN.CORR.R": 2, "FROWN.PROC.C": 2})
    open_plan(page, injector, plan)

    # The stronger left corrugator is marked; its suggestion is larger; accept both sides.
    row = page.locator('[data-suggest-row="CORR"]')
    assert "Patient's L stronger" in row.inner_text()
    row.get_by_role(
        "button", name="Add 10 U to Corrugator supercilii, Patient's L (suggestion)"
    ).tap()
    row.get_by_role(
        "button", name="Add 8 U to Corrugator supercilii, Patient's R (suggestion)"
    ).tap()
    wait_total(page, "18 U")
    assert "L +2 U" in page.get_by_test_id("balance-CORR").inner_text()
    checks = page.get_by_test_id("checks")
    assert "Toxin 30 days ago" in checks.inner_text()

    # Finalize asks for the acknowledgment first, then finalizes.
    page.get_by_test_id("finalize-plan").click()
    note = page.get_by_role("textbox", name="Acknowledgment")
    assert note.evaluate("el => el === document.activeElement")
    note.fill("Discussed the short interval; patient wants the corrugators evened out.")
    with page.expect_navigation():
        page.get_by_test_id("finalize-plan").click()
    expect(page.locator(".alert-success")).to_contain_text("Plan finalized", use_inner_text=True)
    assert page.get_by_test_id("plan-status").inner_text() == "Final"
    saved = TreatmentPlan.objects.get(pk=plan.pk)
    assert saved.status == "final" and saved.acknowledgment.startswith("Discussed")
    # Each suggestion became points of at most the label's 4 U a site (issue 16).
    assert sorted(stored(plan)) == [
        ("CORR", "L", "3"),
        ("CORR", "L", "3.5"),
        ("CORR", "L", "3.5"),
        ("CORR", "R", "4"),
        ("CORR", "R", "4"),
    ]
