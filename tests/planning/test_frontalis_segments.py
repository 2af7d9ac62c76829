"""Frontalis in segments (issue 21): the medial part keeps the code FRONT and its
midline site; the lateral part is its own paired muscle FRONTL (planning 0013), with
its own regions on the face diagram, cells in the movement map, and a place in every
forehead dose range, limit and effect duration."""

import json

import pytest

from planning.choices import VisitKind
from planning.face import REGIONS_BY_ID, WIDTH, default_position, position_refusal, regions_at
from planning.models import DoseLimit, DoseRange, EffectDuration, Expression, Muscle, TreatmentPlan
from tests.factories import GLABELLAR, make_plan, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


def point(muscle, side, units, n=0, *, drawn_on=None):
    """A point drawn at the centre of ``drawn_on`` (its own region unless told)."""
    x, y = default_position(*(drawn_on or (muscle, side)))
    return {
        "muscle": muscle,
        "side": side,
        "units": str(units),
        "x": str(x),
        "y": f"{y + (n % 4) * 0.004:.4f}",
    }


def save(client, plan, points):
    return client.post(
        plan.get_absolute_url(),
        {"points": json.dumps(points), "version": plan.version, "action": "save"},
    )


def test_the_medial_part_keeps_its_code_and_midline_site_the_lateral_part_is_paired():
    medial, lateral = Muscle.objects.get(code="FRONT"), Muscle.objects.get(code="FRONTL")
    assert medial.name == "Frontalis (medial)" and medial.sides == ["R", "L", "C"]
    assert lateral.name == "Frontalis (lateral)" and lateral.region == "forehead"
    assert lateral.sides == lateral.graded_sides == ["R", "L"] and not lateral.has_side("C")
    codes = list(Muscle.objects.values_list("code", flat=True))
    assert codes.index("FRONTL") == codes.index("FRONT") + 1  # shown right after it


def test_every_expression_and_forehead_figure_that_lists_frontalis_lists_both_parts():
    for model in (Expression, DoseRange, DoseLimit, EffectDuration):
        with_medial = set(model.objects.filter(muscles__code="FRONT").values_list("pk", flat=True))
        with_lateral = set(
            model.objects.filter(muscles__code="FRONTL").values_list("pk", flat=True)
        )
        assert with_medial and with_medial == with_lateral, model.__name__
    brows = Expression.objects.get(code="BROWS")
    assert set(brows.muscles.values_list("code", flat=True)) == {"FRONT", "FRONTL"}
    # No label figure of its own is invented: the lateral part only joins the areas.
    assert not DoseRange.objects.filter(muscles__code="FRONTL").exclude(muscles__code="FRONT")


def test_the_diagram_splits_each_side_into_a_medial_and_a_lateral_part():
    right_medial, right_lateral = REGIONS_BY_ID["FRONT-R"], REGIONS_BY_ID["FRONTL-R"]
    left_medial, left_lateral = REGIONS_BY_ID["FRONT-L"], REGIONS_BY_ID["FRONTL-L"]
    # The patient's R is on the viewer's left: its lateral part lies further left.
    assert right_lateral.centre[0] < right_medial.centre[0] < WIDTH / 2
    assert left_medial.centre[0] > WIDTH / 2 and left_lateral.centre[0] > left_medial.centre[0]
    assert left_lateral.centre[0] == WIDTH - right_lateral.centre[0]  # mirrored
    # Medial and lateral share their edge: no gap between them.
    assert max(x for x, _ in right_lateral.geometry) == min(x for x, _ in right_medial.geometry)
    for region in (right_medial, right_lateral, left_medial, left_lateral):
        x, y = default_position(region.muscle, region.side)
        assert [r.id for r in regions_at(x, y)] == [region.id]


def test_the_point_rule_follows_the_split():
    x, y = default_position("FRONTL", "R")
    assert position_refusal(muscle="FRONTL", side="R", x=x, y=y) is None
    refusal = position_refusal(muscle="FRONT", side="R", x=x, y=y)
    assert "drawn on FRONTL (patient's R), not on FRONT (patient's R)" in refusal


def test_the_plan_page_refuses_a_medial_point_drawn_on_the_lateral_part(
    injector_client, visit, injector
):
    """Doors of the point rule for the split (planning.face.position_refusal): the plan
    page here; the chart and the touch-up call the same rule (tests/charting)."""
    plan = make_plan(visit=visit, by=injector)
    response = save(injector_client, plan, [point("FRONT", "R", 4, drawn_on=("FRONTL", "R"))])
    assert response.status_code == 400
    assert "drawn on FRONTL (patient&#x27;s R), not on FRONT (patient&#x27;s R)" in (
        response.content.decode()
    )
    assert not TreatmentPlan.objects.get(pk=plan.pk).points.exists()


def test_the_labeled_forehead_pattern_counts_both_parts(injector_client, visit, injector):
    plan = make_plan(visit=visit, by=injector)
    forehead = [("FRONT", "C", 4), ("FRONT", "R", 4), ("FRONTL", "R", 4)]
    forehead += [("FRONT", "L", 4), ("FRONTL", "L", 4)]
    points = [point(m, s, u, n) for n, (m, s, u) in enumerate(forehead + GLABELLAR)]
    assert save(injector_client, plan, points).status_code == 302
    findings = {f["code"]: f for f in TreatmentPlan.objects.get(pk=plan.pk).findings}
    assert findings["label-forehead"]["level"] == "info"
    assert "20 U total; pattern 5 frontalis sites × 4 U" in findings["label-forehead"]["message"]
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert "Frontalis (lateral)" in page and "Frontalis (medial)" in page


def test_the_movement_map_grades_the_lateral_part_when_brows_are_raised(injector_client, visit):
    url = f"/planning/visits/{visit.pk}/map/"
    page = injector_client.get(url).content.decode()
    assert 'name="g:BROWS.FRONTL.R"' in page and 'name="g:BROWS.FRONTL.L"' in page
    assert "BROWS.FRONTL.C" not in page
    response = injector_client.post(url, {"g:BROWS.FRONTL.R": "3", "g:BROWS.FRONTL.L": "1"})
    assert response.status_code == 302
    page = injector_client.get(url).content.decode()
    assert 'id="g-BROWS.FRONTL.R-3" value="3" checked' in page
