"""Saving and finalizing a plan through its page: each check level, the 90-day and
400 U windows from the database, the version check, and bad input."""

import json
from decimal import Decimal

import pytest

from planning.choices import PlanStatus, VisitKind
from planning.face import default_position
from planning.models import Product, TreatmentPlan
from tests.factories import GLABELLAR, make_plan, make_visit, screen

pytestmark = pytest.mark.django_db


def sites(muscle, side, *units):
    """Points of ``units`` on one muscle and side, each at its own place in its region."""
    x, y = default_position(muscle, side)
    return [point(muscle, side, u, x=x, y=f"{y + n * 0.004:.4f}") for n, u in enumerate(units)]


def point(muscle, side, units, x=None, y=None):
    """A point drawn on its muscle and side (the region's centre unless told)."""
    dx, dy = default_position(muscle, side)
    x, y = dx if x is None else x, dy if y is None else y
    return {"muscle": muscle, "side": side, "units": str(units), "x": str(x), "y": str(y)}


def body(points, *, version, action="save", **extra):
    return {"points": json.dumps(points), "version": version, "action": action, **extra}


GLABELLA = [point(m, s, u) for m, s, u in GLABELLAR]


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


@pytest.fixture
def plan(visit, injector):
    return make_plan(visit=visit, by=injector)


def stored(plan):
    plan = TreatmentPlan.objects.get(pk=plan.pk)
    return plan, sorted(
        (p.muscle.code, p.side, p.units) for p in plan.points.select_related("muscle")
    )


def test_save_stores_the_points_as_a_whole_and_bumps_the_version(injector_client, plan):
    response = injector_client.post(plan.get_absolute_url(), body(GLABELLA, version=1))
    assert response.status_code == 302
    saved, points = stored(plan)
    assert saved.version == 2 and saved.status == PlanStatus.DRAFT
    assert len(points) == 5 and sum(p[2] for p in points) == 20
    assert {f["code"]: f["level"] for f in saved.findings}["label-glabellar"] == "info"
    # Saving again replaces, never appends.
    injector_client.post(plan.get_absolute_url(), body(GLABELLA[:2], version=2))
    assert len(stored(plan)[1]) == 2


def test_finalize_with_info_only(injector_client, plan):
    response = injector_client.post(
        plan.get_absolute_url(), body(GLABELLA, version=1, action="finalize")
    )
    assert response.status_code == 302
    saved, _ = stored(plan)
    assert saved.status == PlanStatus.FINAL and saved.finalized_at is not None


def test_finalize_with_a_warning_that_needs_no_acknowledgment(injector_client, plan):
    masseter = sites("MASS", "L", 15, 15, 15) + sites("MASS", "R", 15, 15)  # 45 and 30 U
    response = injector_client.post(
        plan.get_absolute_url(), body(masseter, version=1, action="finalize")
    )
    assert response.status_code == 302
    saved, _ = stored(plan)
    assert saved.status == PlanStatus.FINAL
    assert "practice-masseter" in {f["code"] for f in saved.findings if f["level"] == "warn"}


def test_retreatment_under_90_days_needs_an_acknowledgment(
    injector_client, injector, patient, plan
):
    earlier = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=60
    )
    make_plan(visit=earlier, by=injector, points=GLABELLAR, final=True)
    url = plan.get_absolute_url()
    response = injector_client.post(url, body(GLABELLA, version=1, action="finalize"))
    assert response.status_code == 400
    assert "Acknowledge the warnings" in response.content.decode()
    saved, points = stored(plan)
    assert (
        saved.status == PlanStatus.DRAFT and saved.version == 1 and points == []
    )  # nothing half-saved
    # The posted points are still on the page.
    assert json.loads(response.context["plan_data"]["points"][0]["units"]) == 4
    response = injector_client.post(
        url, body(GLABELLA, version=1, action="finalize", acknowledgment="Discussed; proceeds.")
    )
    assert response.status_code == 302
    saved, _ = stored(plan)
    assert saved.status == PlanStatus.FINAL and saved.acknowledgment == "Discussed; proceeds."


def test_400_units_in_the_plan_plus_the_last_90_days_blocks_finalizing(
    injector_client, injector, patient, plan
):
    earlier = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=40
    )
    make_plan(
        visit=earlier,
        by=injector,
        points=[("MASS", "L", 15)] * 4
        + [("MASS", "R", 15)] * 4
        + [("PLAT", "L", 6)] * 12
        + [("CORR", "L", 10)] * 2
        + [("CORR", "R", 10)] * 2
        + [("PROC", "C", 10)],
        final=True,
    )  # 242 U
    later = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=20
    )
    make_plan(visit=later, by=injector, points=[("MASS", "L", 14.5)] * 4, final=True)  # 58 U
    heavy = sites("MASS", "L", 15, 15, 15, 5.5) + sites("MASS", "R", 15, 15, 15, 5)  # 100.5 U
    response = injector_client.post(
        plan.get_absolute_url(),
        body(heavy, version=1, action="finalize", acknowledgment="Discussed."),
    )
    assert response.status_code == 400
    assert "BOTOX Cosmetic label&#39;s 400 U in a 3-month interval" in response.content.decode()
    assert stored(plan)[0].status == PlanStatus.DRAFT
    # A draft may be saved with the block (nothing is lost); it shows, it cannot be finalized.
    response = injector_client.post(plan.get_absolute_url(), body(heavy, version=1))
    assert response.status_code == 302
    saved, _ = stored(plan)
    assert "block" in {f["level"] for f in saved.findings}
    # 100 U exactly keeps within 400 U.
    within = sites("MASS", "L", 15, 15, 15, 5) + sites("MASS", "R", 15, 15, 15, 5)
    response = injector_client.post(
        plan.get_absolute_url(),
        body(within, version=2, action="finalize", acknowledgment="Discussed."),
    )
    assert response.status_code == 302


def test_the_windows_count_only_this_product_and_the_last_90_days(
    injector_client, injector, patient, plan
):
    old = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=120
    )
    make_plan(visit=old, by=injector, points=[("MASS", "L", 100)] * 3, final=True)
    other = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=95
    )
    dysport = Product.objects.get(code="dysport")
    make_plan(
        visit=other,
        by=injector,
        product=dysport,
        vial=300,
        points=[("MASS", "L", 100)] * 3,
        final=True,
    )
    heavy = sites("MASS", "L", 15, 15, 15, 15) + sites("MASS", "R", 15, 15, 15, 15)
    response = injector_client.post(
        plan.get_absolute_url(), body(heavy, version=1, action="finalize")
    )
    assert response.status_code == 302  # 120 days ago and another product: not counted, no warning
    assert stored(plan)[0].status == PlanStatus.FINAL


def test_a_blocked_screening_blocks_finalizing(injector_client, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT)
    screen(visit, injector, yes=["infection_at_site"])
    plan = make_plan(visit=visit, by=injector)
    response = injector_client.post(
        plan.get_absolute_url(), body(GLABELLA, version=1, action="finalize")
    )
    assert response.status_code == 400
    assert "Infection" in response.content.decode()
    assert stored(plan)[0].status == PlanStatus.DRAFT


def test_two_tabs_do_not_silently_lose_points(injector_client, plan):
    url = plan.get_absolute_url()
    assert injector_client.post(url, body(GLABELLA, version=1)).status_code == 302
    mine = [point("NAS", "L", 3)]
    response = injector_client.post(url, body(mine, version=1))  # the stale tab
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed in another tab" in page and "Save mine over theirs" in page
    assert response.context["plan_data"]["points"][0]["muscle"] == "NAS"  # mine kept on the page
    saved, points = stored(plan)
    assert saved.version == 2 and len(points) == 5  # theirs kept in the database
    # Having seen the warning, the injector saves theirs over: explicit, never silent.
    response = injector_client.post(url, body(mine, version=1, overwrite=2))
    assert response.status_code == 302
    assert stored(plan)[1] == [("NAS", "L", Decimal("3.0"))]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (point("CORR", "L", 0), "more than 0"),
        (point("CORR", "L", -4), "more than 0"),
        (point("CORR", "L", "2.25"), "steps of 0.5 U"),
        (point("CORR", "L", 150), "at most 100 U per point"),
        (point("CORR", "L", "four"), "as a number"),
        (point("CORR", "L", 4, x="1.5"), "outside the diagram"),
        (point("CORR", "C", 4), "charted patient&#x27;s R or patient&#x27;s L only"),
        (point("PROC", "L", 4), "charted midline only"),
        (point("NOPE", "L", 4), "choose a muscle"),
        ({**point("CORR", "L", 4), "depth": "very deep"}, "unknown depth"),
    ],
)
def test_bad_points_are_refused_with_a_message_and_nothing_is_lost(
    injector_client, plan, bad, message
):
    url = plan.get_absolute_url()
    injector_client.post(url, body(GLABELLA, version=1))
    response = injector_client.post(url, body([point("NAS", "L", 2), bad], version=2))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Point 2:" in page and message in page
    assert response.context["plan_data"]["errors"].keys() == {1}
    assert len(response.context["plan_data"]["points"]) == 2  # both, as entered
    saved, points = stored(plan)
    assert saved.version == 2 and len(points) == 5


def test_points_that_are_not_json_are_refused(injector_client, plan):
    response = injector_client.post(
        plan.get_absolute_url(), {"points": "{oops", "version": 1, "action": "save"}
    )
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_a_final_plan_is_read_only(injector_client, visit, injector):
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR, final=True)
    response = injector_client.post(plan.get_absolute_url(), body([], version=1))
    assert response.status_code == 302
    assert len(stored(plan)[1]) == 5
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert "Final plan: read only." in page and 'data-testid="save-plan"' not in page


def test_the_preview_runs_the_servers_checks_on_unsaved_points(injector_client, plan):
    url = f"/planning/plans/{plan.pk}/preview/"
    response = injector_client.post(url, body(GLABELLA, version=1))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="plan-total">20 U' in page and "matches the BOTOX Cosmetic label" in page
    assert stored(plan)[1] == []  # nothing saved
    bad = injector_client.post(url, body([point("CORR", "L", 0)], version=1))
    assert bad.status_code == 200 and "more than 0" in bad.content.decode()


def test_a_point_drawn_on_another_muscle_or_side_is_refused(injector_client, plan):
    """Issue 17, finding 1: the plan's door (the touch-up's is in tests/charting)."""
    x, y = default_position("CORR", "L")
    drawn_left = [point("CORR", "R", 4, x=x, y=y)]  # recorded right, drawn left
    response = injector_client.post(plan.get_absolute_url(), body(drawn_left, version=1))
    assert response.status_code == 400
    assert "drawn on CORR (patient&#x27;s L), not on CORR (patient&#x27;s R)" in (
        response.content.decode()
    )
    assert stored(plan)[1] == []


def test_a_post_without_data_is_refused_with_a_message(injector_client, plan):
    """A POST with no fields (a lost form, a replayed request) is refused on the page
    with what to do, and the stored plan is unchanged."""
    response = injector_client.post(plan.get_absolute_url(), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="plan-errors"' in page
    assert "lost track of the plan's version" in page
    plan.refresh_from_db()
    assert plan.version == 1
