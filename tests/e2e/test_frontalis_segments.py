"""Frontalis in segments in the plan editor (issue 21): the lateral part is its own tap
target; a kept segment is hatched, lets the tap through to its region (it catches
none), and the editor refuses the point at once with the sentence the server gives
at save (planning.keeps.kept_refusal, read from the page's data)."""

import pytest
from playwright.sync_api import expect

from planning.choices import VisitKind
from planning.models import Muscle, Observation, PlanKeep
from tests.factories import PASSWORD, make_plan, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lateral_part_is_tapped_and_a_kept_segment_refuses_its_point(page, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    plan = make_plan(visit=visit, by=injector)
    PlanKeep.objects.create(
        plan=plan,
        muscle=Muscle.objects.get(code="FRONTL"),
        side="R",
        reason="holds the brow tail",
        created_by=injector,
    )
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/plans/{plan.pk}/")
    expect(page.locator('[data-kept="FRONTL-R"]')).to_have_count(1)
    expect(page.locator('[data-landmark="brow_tail-R"]')).to_have_count(1)
    page.locator("#FRONTL-L").tap()
    page.locator("#FRONTL-R").tap()  # under the hatching: the tap reaches the region...
    # ...which refuses it at once, in the server's words.
    sentence = (
        "Frontalis (lateral), patient's R is kept on this plan (holds the brow tail): "
        "remove the point, or stop keeping that segment first."
    )
    expect(page.locator("[data-diagram-status]")).to_have_text(sentence)
    expect(page.locator('.face-points .pt[data-muscle="FRONTL"]')).to_have_count(1)
    expect(page.locator('.face-points .pt[data-muscle="FRONTL"][data-side="R"]')).to_have_count(0)
    with page.expect_navigation():
        page.get_by_test_id("save-plan").click()
    assert [(p.muscle.code, p.side) for p in plan.points.all()] == [("FRONTL", "L")]


def test_the_brow_tails_direction_is_chosen_beside_its_grade(page, injector, patient):
    visit = make_visit(patient=patient, injector=injector, screened=True)
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visit.pk}/map/")
    expect(page.locator("select.mm-direction")).to_have_count(6)
    page.get_by_test_id("grade-BROWS.FRONTL.R-3").tap()
    page.get_by_test_id("direction-BROWS.FRONTL.R").select_option("tail_up")
    with page.expect_navigation():
        page.get_by_test_id("save-map").click()
    expect(page.get_by_test_id("direction-summary")).to_contain_text(
        "Frontalis (lateral), raise brows: Patient's R tail spikes up"
    )
    observation = Observation.objects.get(muscle__code="FRONTL", side="R")
    assert (observation.grade, observation.direction) == (3, "tail_up")
