"""The central frontalis site in the plan editor: tapped on the diagram between the
two halves of the forehead, offered as a side in the table, saved at the midline."""

import pytest
from playwright.sync_api import expect

from planning.choices import VisitKind
from planning.models import TreatmentPlan
from planning.units import format_units
from tests.factories import PASSWORD, make_plan, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_midline_frontalis_point_is_placed_and_saved(page, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector)
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/plans/{plan.pk}/")
    for region in ("FRONT-R", "FRONT-C", "FRONT-L"):
        page.locator(f"#{region}").tap()
    points = page.locator(".face-points .pt")
    expect(points).to_have_count(3)
    expect(page.locator('.face-points .pt[data-muscle="FRONT"][data-side="C"]')).to_have_count(1)
    expect(page.get_by_test_id("plan-total")).to_have_text("12 U")
    sides = page.get_by_test_id("points-table").get_by_label("Point 2 side")
    # planning.sides order: the patient's R first
    expect(sides.locator("option")).to_have_text(["Patient's R", "Patient's L", "Midline"])
    with page.expect_navigation():
        page.get_by_test_id("save-plan").click()
    saved = TreatmentPlan.objects.get(pk=plan.pk).points.select_related("muscle")
    assert sorted((p.muscle.code, p.side, format_units(p.units)) for p in saved) == [
        ("FRONT", "C", "4"),
        ("FRONT", "L", "4"),
        ("FRONT", "R", "4"),
    ]
