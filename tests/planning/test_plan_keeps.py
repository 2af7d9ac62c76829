"""What the plan keeps (issue 21): a muscle segment and side spared on purpose, with a
reason, shown on the diagram and the plan page; no planned point may lie on it."""

import json

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.urls import reverse

from planning.choices import VisitKind
from planning.face import default_position
from planning.models import (
    InjectionPoint,
    Muscle,
    PlanKeep,
    PlanTemplate,
    PlanTemplatePoint,
    TreatmentPlan,
)
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db

REASON = "holds the brow tail"


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


@pytest.fixture
def plan(visit, injector):
    return make_plan(visit=visit, by=injector)


def keep_url(plan):
    return f"/planning/plans/{plan.pk}/keep/"


def keep(client, plan, muscle="FRONTL", side="R", reason=REASON, action="keep"):
    return client.post(
        keep_url(plan), {"muscle": muscle, "side": side, "reason": reason, "action": action}
    )


def point(muscle, side, units=2):
    x, y = default_position(muscle, side)
    return {"muscle": muscle, "side": side, "units": str(units), "x": str(x), "y": str(y)}


def save(client, plan, points, action="save"):
    version = TreatmentPlan.objects.get(pk=plan.pk).version
    return client.post(
        plan.get_absolute_url(),
        {"points": json.dumps(points), "version": version, "action": action},
    )


def page_of(response):
    return " ".join(response.content.decode().split())


def test_keeping_a_segment_shows_it_on_the_plan_and_the_diagram(injector_client, plan):
    response = keep(injector_client, plan)
    assert response.status_code == 302
    (kept,) = PlanKeep.objects.filter(plan=plan)
    assert (kept.muscle.code, kept.side, kept.reason) == ("FRONTL", "R", REASON)
    page = page_of(injector_client.get(plan.get_absolute_url()))
    assert "Frontalis (lateral), patient&#x27;s R is kept on this plan." in page
    section = page.split('data-testid="plan-keeps"')[1].split("</section>")[0]
    assert (
        "<strong>Frontalis (lateral)</strong> · "
        '<span class="side-R">Patient&#x27;s R</span> — holds the brow tail' in section
    )
    assert (
        'data-kept="FRONTL-R"' in page and 'pointer-events="none" data-testid="face-kept"' in page
    )
    # Stop keeping it.
    assert keep(injector_client, plan, action="release").status_code == 302
    assert not PlanKeep.objects.filter(plan=plan).exists()
    assert 'data-kept="FRONTL-R"' not in page_of(injector_client.get(plan.get_absolute_url()))


@pytest.mark.parametrize(
    ("muscle", "side", "reason", "message"),
    [
        ("FRONTL", "R", "", "Say in a few words why the segment is kept."),
        ("FRONTL", "C", REASON, "The frontalis (lateral) has no midline."),
        ("NOPE", "R", REASON, "Choose a muscle segment."),
        ("FRONTL", "X", REASON, "Select a valid choice."),
        ("FRONTL", "R", "x" * 121, "Ensure this value has at most 120 characters"),
    ],
)
def test_bad_keeps_get_a_clear_message(injector_client, plan, muscle, side, reason, message):
    response = keep(injector_client, plan, muscle=muscle, side=side, reason=reason)
    assert response.status_code == 302
    page = page_of(injector_client.get(response.url))
    assert message in page
    assert not PlanKeep.objects.exists()


def test_a_segment_is_kept_once_per_plan_and_side(injector_client, plan, injector):
    assert keep(injector_client, plan).status_code == 302
    response = keep(injector_client, plan)  # a double submit
    assert "is kept already" in page_of(injector_client.get(response.url))
    assert PlanKeep.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanKeep.objects.create(
            plan=plan,
            muscle=Muscle.objects.get(code="FRONTL"),
            side="R",
            reason="again",
            created_by=injector,
        )


def test_a_planned_point_on_a_kept_segment_is_refused_at_every_door(
    injector_client, plan, injector
):
    """Doors of planning.keeps.refuse_points_on_kept:
    - the plan page's save and finalize (planning.plans.save_plan): 400 with the sentence;
    - a second tab still showing the point, saving after the keep: the same save, refused;
    - applying a template or the last plan to the draft (planning.plans._replace_with);
    - keeping a segment that already has planned points (planning.keeps.keep_segment);
    - the Django admin: plan points are not registered there (asserted below).
    """
    # A second tab placed a lateral point; this tab keeps the segment first.
    assert keep(injector_client, plan).status_code == 302
    for action in ("save", "finalize"):
        response = save(injector_client, plan, [point("FRONTL", "R")], action=action)
        assert response.status_code == 400
        page = page_of(response)
        assert (
            "Point 1: Frontalis (lateral), patient&#x27;s R is kept on this plan "
            "(holds the brow tail): remove the point, or stop keeping that segment first."
        ) in page
    assert not InjectionPoint.objects.filter(plan=plan).exists()
    # The other side and the medial part stay plannable.
    ok = save(injector_client, plan, [point("FRONTL", "L"), point("FRONT", "R")])
    assert ok.status_code == 302

    template = PlanTemplate.objects.create(name="Forehead", product=plan.product)
    PlanTemplatePoint.objects.create(
        template=template,
        muscle=Muscle.objects.get(code="FRONTL"),
        side="R",
        x="0.3",
        y="0.2",
        units=2,
    )
    version = TreatmentPlan.objects.get(pk=plan.pk).version
    response = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/",
        {"source": f"template-{template.pk}", "version": version},
    )
    assert "is kept on this plan" in page_of(injector_client.get(response.url))
    stored = sorted(
        (p.muscle.code, p.side)
        for p in InjectionPoint.objects.filter(plan=plan).select_related("muscle")
    )
    assert stored == [("FRONT", "R"), ("FRONTL", "L")]  # unchanged

    response = keep(injector_client, plan, side="L")
    assert (
        "Frontalis (lateral), patient&#x27;s L has 1 planned point: remove it before "
        "keeping the segment."
    ) in page_of(injector_client.get(response.url))
    assert PlanKeep.objects.filter(plan=plan).count() == 1

    assert InjectionPoint not in admin.site._registry and PlanKeep not in admin.site._registry


def test_a_final_plan_keeps_nothing_more(injector_client, visit, injector):
    plan = make_plan(visit=visit, by=injector, final=True)
    response = keep(injector_client, plan)
    assert "This plan is final and can no longer be changed." in page_of(
        injector_client.get(response.url)
    )
    assert not PlanKeep.objects.exists()


def test_the_open_chart_shows_what_the_plan_keeps(injector_client, injector, patient):
    from charting.models import Treatment
    from tests.factories import charted_treatment

    treatment = charted_treatment(patient=patient, injector=injector)
    PlanKeep.objects.create(
        plan=treatment.plan,
        muscle=Muscle.objects.get(code="FRONTL"),
        side="L",
        reason=REASON,
        created_by=injector,
    )  # kept when the plan was a draft (planning.keeps); made directly on the final plan here
    assert Treatment.objects.filter(pk=treatment.pk, signed_at__isnull=True).exists()
    page = page_of(injector_client.get(reverse("charting:chart", args=[treatment.visit_id])))
    keeps = page.split('data-testid="chart-keeps"')[1].split("</ul>")[0]
    assert (
        "<strong>Frontalis (lateral)</strong> · "
        '<span class="side-L">Patient&#x27;s L</span> — holds the brow tail' in keeps
    )
    assert 'data-kept="FRONTL-L"' in page
