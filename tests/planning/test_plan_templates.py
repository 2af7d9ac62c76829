"""Starting a plan, templates (same product only) and "start from last plan"."""

import datetime
from decimal import Decimal

import pytest

from planning import treatment_history
from planning.choices import DoseKind, VisitKind
from planning.models import Muscle, PlanKeep, PlanTemplate, Product, TreatmentPlan
from planning.plans import save_as_template, start_plan
from planning.screening import last_toxin_date
from planning.treatment_history import DoseRecord, LastSession, PlannedTreatments
from tests.factories import GLABELLAR, botox, make_plan, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


def points_of(plan):
    return sorted(
        (p.muscle.code, p.side, p.units)
        for p in TreatmentPlan.objects.get(pk=plan.pk).points.select_related("muscle")
    )


def test_start_an_empty_plan(injector_client, visit):
    url = f"/planning/visits/{visit.pk}/plan/"
    assert injector_client.get(url).status_code == 200
    response = injector_client.post(
        url,
        {"product": botox().pk, "vial_units": 100, "diluent_ml": "2.50", "start_from": "blank"},
    )
    plan = visit.plans.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert (plan.vial_units, plan.diluent_ml, plan.points.count()) == (100, Decimal("2.50"), 0)
    # The visit's plan link now opens it.
    assert injector_client.get(url)["Location"] == plan.get_absolute_url()


def test_a_vial_size_the_product_does_not_have_is_refused(injector_client, visit):
    dysport = Product.objects.get(code="dysport")
    response = injector_client.post(
        f"/planning/visits/{visit.pk}/plan/",
        {"product": dysport.pk, "vial_units": 100, "diluent_ml": "2.50", "start_from": "blank"},
    )
    assert response.status_code == 400
    assert "Dysport comes in 300 U vials." in response.content.decode()
    assert not visit.plans.exists()


def test_start_from_a_template_of_the_same_product(injector_client, visit, injector):
    source = make_plan(visit=visit, by=injector, points=GLABELLAR)
    template = save_as_template(plan=source, name="Glabella 20 U", by=injector)
    response = injector_client.post(
        f"/planning/visits/{visit.pk}/plan/",
        {
            "product": botox().pk,
            "vial_units": 50,
            "diluent_ml": "1.25",
            "start_from": f"template-{template.pk}",
        },
    )
    assert response.status_code == 302
    plan = visit.plans.latest("id")
    assert points_of(plan) == points_of(source)


def test_a_template_of_another_product_is_refused(injector_client, visit, injector):
    source = make_plan(visit=visit, by=injector, points=GLABELLAR)
    template = save_as_template(plan=source, name="Glabella 20 U", by=injector)
    dysport = Product.objects.get(code="dysport")
    response = injector_client.post(
        f"/planning/visits/{visit.pk}/plan/",
        {
            "product": dysport.pk,
            "vial_units": 300,
            "diluent_ml": "2.50",
            "start_from": f"template-{template.pk}",
        },
    )
    assert response.status_code == 400
    assert "units of different products cannot be exchanged" in response.content.decode()
    assert visit.plans.count() == 1
    # Applying it to a Dysport plan from the editor is refused the same way.
    plan = make_plan(visit=visit, by=injector, product=dysport, vial=300)
    response = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/",
        {"source": f"template-{template.pk}", "version": 1},
        follow=True,
    )
    assert "Units of different products cannot be exchanged" in response.content.decode()
    assert points_of(plan) == []


def test_apply_a_template_replaces_the_drafts_points(injector_client, visit, injector):
    template = PlanTemplate.objects.create(name="Crow's feet", product=botox())
    source = make_plan(visit=visit, by=injector, points=[("OOC", "L", 4), ("OOC", "R", 4)])
    for p in source.points.all():
        template.points.create(muscle=p.muscle, side=p.side, x=p.x, y=p.y, units=p.units)
    plan = make_plan(visit=visit, by=injector, points=[("NAS", "L", 2)])
    response = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/", {"source": f"template-{template.pk}", "version": 1}
    )
    assert response.status_code == 302
    assert points_of(plan) == [("OOC", "L", Decimal("4.0")), ("OOC", "R", Decimal("4.0"))]
    assert TreatmentPlan.objects.get(pk=plan.pk).version == 2
    # A stale version is refused with the conflict message.
    stale = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/",
        {"source": f"template-{template.pk}", "version": 1},
        follow=True,
    )
    assert "changed in another tab" in stale.content.decode()


def test_start_from_last_plan_copies_the_same_products_previous_plan(
    injector_client, injector, patient, visit
):
    before = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=120
    )
    last = make_plan(visit=before, by=injector, points=[("CORR", "L", 5), ("CORR", "R", 4)])
    newer_other_product = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=100
    )
    make_plan(
        visit=newer_other_product,
        by=injector,
        product=Product.objects.get(code="dysport"),
        vial=300,
        points=[("MASS", "L", 60)],
    )
    plan = make_plan(visit=visit, by=injector)
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert "Start from last plan" in page
    response = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/", {"source": "last", "version": 1}
    )
    assert response.status_code == 302
    assert points_of(plan) == points_of(last)


def _keep(plan, code, side, reason, by):
    return PlanKeep.objects.create(
        plan=plan, muscle=Muscle.objects.get(code=code), side=side, reason=reason, created_by=by
    )


def keeps_of(plan):
    return sorted((k.muscle.code, k.side, k.reason) for k in PlanKeep.objects.filter(plan=plan))


def test_copying_the_last_plan_copies_what_it_kept(injector_client, injector, patient, visit):
    """Issue 21: "start from last plan" (on a draft, or when the plan is started) takes
    the last plan's kept segments with its points; the draft's own keeps give way."""
    before = make_visit(
        patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True, days_ago=120
    )
    last = make_plan(visit=before, by=injector, points=[("CORR", "L", 5), ("FRONT", "R", 2)])
    _keep(last, "FRONTL", "R", "holds the brow tail", injector)
    _keep(last, "FRONTL", "L", "holds the brow tail", injector)
    plan = make_plan(visit=visit, by=injector)
    _keep(plan, "CORR", "L", "kept on the draft", injector)  # the last plan treats it

    response = injector_client.post(
        f"/planning/plans/{plan.pk}/apply/", {"source": "last", "version": 1}
    )

    assert response.status_code == 302
    assert points_of(plan) == points_of(last)
    assert keeps_of(plan) == keeps_of(last) != []
    assert {k.created_by for k in PlanKeep.objects.filter(plan=plan)} == {injector}
    page = injector_client.get(plan.get_absolute_url()).content.decode()
    assert 'data-kept="FRONTL-R"' in page and 'data-kept="FRONTL-L"' in page

    started = start_plan(
        visit=make_visit(patient=patient, injector=injector, screened=True),
        product=last.product,
        vial_units=100,
        diluent_ml=Decimal("2.5"),
        by=injector,
        from_last=True,
    )
    assert keeps_of(started) == keeps_of(plan)


def test_save_as_template_needs_a_unique_name(injector_client, visit, injector):
    plan = make_plan(visit=visit, by=injector, points=GLABELLAR)
    url = f"/planning/plans/{plan.pk}/template/"
    injector_client.post(url, {"name": "My glabella"})
    template = PlanTemplate.objects.get(name="My glabella")
    assert template.points.count() == 5 and template.product == plan.product
    again = injector_client.post(url, {"name": "my glabella"}, follow=True)
    assert "has that name already" in again.content.decode()
    assert PlanTemplate.objects.filter(name__iexact="my glabella").count() == 1


# --- the history registry ---------------------------------------------------------------------


class FixedHistory:
    """A provider as charting registers one: here answering from fixed figures."""

    def __init__(self, day, units):
        self.day, self.units = day, units

    def last_session(self, *, patient, before):
        return LastSession(self.day) if self.day < before else None

    def doses(self, *, patient, ingredient, since, until):
        if not since <= self.day <= until:
            return []
        return [DoseRecord(self.day, self.units, "BOTOX Cosmetic", DoseKind.CHART)]

    def suggested_doses(self, *, patient, product):
        return []


def units(registry, patient, product, window):
    doses = registry.doses(patient=patient, ingredient=product.generic_name, **window)
    return sum(d.units for d in doses)


@pytest.fixture
def registry():
    """Planning on its own: its own records answer until a provider is given."""
    saved = treatment_history.provide(PlannedTreatments())
    yield treatment_history
    treatment_history.provide(saved)


def test_history_falls_back_to_planning_records_until_a_provider_registers(
    registry, injector, patient
):
    visit = make_visit(patient=patient, injector=injector, days_ago=30, screened=True)
    make_plan(visit=visit, by=injector, points=[("MASS", "L", 50)], final=True)  # treated
    today = datetime.date.today()
    assert registry.last_toxin_date(patient=patient, before=today) == visit.date
    assert last_toxin_date(patient=patient, before=today) == visit.date  # the screening asks it
    window = {"since": today - datetime.timedelta(days=90), "until": today}
    assert units(registry, patient, botox(), window) == 50
    dysport = Product.objects.get(code="dysport")
    assert units(registry, patient, dysport, window) == 0

    registry.provide(FixedHistory(today - datetime.timedelta(days=10), Decimal("30")))
    assert registry.last_toxin_date(patient=patient, before=today) == today - datetime.timedelta(
        days=10
    )
    assert units(registry, patient, botox(), window) == 30
