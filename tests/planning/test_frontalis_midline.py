"""Frontalis has a midline site (REFERENCE.md: the BOTOX Cosmetic forehead pattern
includes a central frontalis site): points may lie left, right or at the midline,
while the movement map still grades it left and right only."""

import json

import pytest
from django.core.exceptions import ValidationError

from planning.choices import VisitKind
from planning.face import REGIONS_BY_ID, default_position
from planning.models import Muscle, Observation, TreatmentPlan
from planning.movement import CellInput, expressions_with_muscles, save_observations, valid_cells
from tests.factories import GLABELLAR, make_plan, make_visit

pytestmark = pytest.mark.django_db

# The labeled forehead pattern: 5 frontalis sites × 4 U, one of them central.
FOREHEAD = [("FRONT", "R", 4), ("FRONT", "R", 4), ("FRONT", "C", 4), ("FRONT", "L", 4)]
FOREHEAD += [("FRONT", "L", 4)]


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


def test_frontalis_is_paired_with_a_midline_site():
    front = Muscle.objects.get(code="FRONT")
    assert front.paired and front.midline_site
    assert front.sides == ["R", "L", "C"] and front.has_side("C")  # planning.sides order
    assert front.graded_sides == ["R", "L"] and not front.grades_side("C")
    corr, proc = Muscle.objects.get(code="CORR"), Muscle.objects.get(code="PROC")
    assert corr.sides == corr.graded_sides == ["R", "L"] and not corr.has_side("C")
    assert proc.sides == proc.graded_sides == ["C"]


def test_the_movement_map_grades_frontalis_left_and_right_only(visit, injector):
    cells = {key.split(".", 1)[1] for key in valid_cells(list(expressions_with_muscles()))}
    assert {"FRONT.L", "FRONT.R"} <= cells and "FRONT.C" not in cells
    with pytest.raises(ValidationError) as refused:
        save_observations(visit=visit, by=injector, cells=[CellInput("BROWS", "FRONT", "C", 2)])
    assert "charted right and left only" in " ".join(refused.value.messages)
    save_observations(visit=visit, by=injector, cells=[CellInput("BROWS", "FRONT", "L", 2)])
    assert Observation.objects.get().side == "L"


def test_the_page_of_the_map_has_no_midline_frontalis_cell(injector_client, visit):
    page = injector_client.get(f"/planning/visits/{visit.pk}/map/").content.decode()
    assert 'name="g:BROWS.FRONT.L"' in page and 'name="g:BROWS.FRONT.R"' in page
    assert "BROWS.FRONT.C" not in page


def test_the_diagram_has_a_central_frontalis_region():
    region = REGIONS_BY_ID["FRONT-C"]
    x, y = default_position("FRONT", "C")
    assert x == 0.5 and 0 < y < default_position("PROC", "C")[1]
    right, left = REGIONS_BY_ID["FRONT-R"], REGIONS_BY_ID["FRONT-L"]
    # The strip between the two halves, touching both.
    assert max(px for px, _ in right.geometry) == region.geometry[0]
    assert min(px for px, _ in left.geometry) == region.geometry[0] + region.geometry[2]


def at(muscle, side, units, n):
    """A point drawn on its muscle and side: the region's centre, nudged per point."""
    x, y = default_position(muscle, side)
    return {
        "muscle": muscle,
        "side": side,
        "units": str(units),
        "x": str(x),
        "y": f"{y + (n % 4) * 0.004:.4f}",
    }


def test_a_plan_with_the_central_site_saves_and_matches_the_forehead_label(
    injector_client, visit, injector
):
    plan = make_plan(visit=visit, by=injector)
    points = [at(m, s, u, n) for n, (m, s, u) in enumerate(FOREHEAD + GLABELLAR)]
    response = injector_client.post(
        plan.get_absolute_url(),
        {"points": json.dumps(points), "version": 1, "action": "save"},
    )
    assert response.status_code == 302
    saved = TreatmentPlan.objects.get(pk=plan.pk)
    stored = sorted((p.muscle.code, p.side) for p in saved.points.select_related("muscle"))
    assert stored.count(("FRONT", "C")) == 1
    findings = {f["code"]: f for f in saved.findings}
    forehead = findings["label-forehead"]
    assert forehead["level"] == "info" and forehead["source"] == "label"
    assert "20 U total; pattern 5 frontalis sites × 4 U" in forehead["message"]
    assert findings["label-glabellar"]["level"] == "info"
    assert "label-forehead-with-glabellar" not in findings
    # The totals show the midline units with frontalis.
    page = " ".join(injector_client.get(plan.get_absolute_url()).content.decode().split())
    assert 'data-side="C">incl. 4 midline</span>' in page


def test_without_the_central_site_four_sites_are_not_the_labeled_pattern(
    injector_client, visit, injector
):
    plan = make_plan(visit=visit, by=injector)
    four = [("FRONT", "R", 5), ("FRONT", "R", 5), ("FRONT", "L", 5), ("FRONT", "L", 5)]
    points = [at(m, s, u, n) for n, (m, s, u) in enumerate(four + GLABELLAR)]
    injector_client.post(
        plan.get_absolute_url(), {"points": json.dumps(points), "version": 1, "action": "save"}
    )
    forehead = {f["code"]: f for f in TreatmentPlan.objects.get(pk=plan.pk).findings}
    assert forehead["label-forehead"]["level"] == "info"  # 20 U, the labeled total
    assert "the labeled pattern is 5 frontalis sites × 4 U" in forehead["label-forehead"]["message"]


def test_a_midline_point_on_a_muscle_without_one_is_still_refused(injector_client, visit, injector):
    plan = make_plan(visit=visit, by=injector)
    point = {"muscle": "CORR", "side": "C", "units": "4", "x": "0.5", "y": "0.3"}
    response = injector_client.post(
        plan.get_absolute_url(), {"points": json.dumps([point]), "version": 1, "action": "save"}
    )
    assert response.status_code == 400
    assert not TreatmentPlan.objects.get(pk=plan.pk).points.exists()
    assert TreatmentPlan.objects.get(pk=plan.pk).version == 1
