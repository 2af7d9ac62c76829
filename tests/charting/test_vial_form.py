"""The vial form of the chart offers the plan's saline as people write it."""

import pytest

from charting.forms import VialForm
from planning.models import TreatmentPlan
from tests.factories import make_plan, make_visit

pytestmark = pytest.mark.django_db


def test_the_plans_saline_is_offered_in_a_form_the_vial_form_accepts(patient, injector):
    visit = make_visit(patient=patient, injector=injector)
    plan = TreatmentPlan.objects.get(pk=make_plan(visit=visit, by=injector, diluent="2.5").pk)
    assert str(plan.diluent_ml) == "2.500"  # stored to 0.001 mL
    offered = VialForm(product=plan.product, plan=plan)["diluent_ml"].value()
    assert offered == "2.5"
    posted = VialForm({"diluent_ml": offered}, product=plan.product, plan=plan)
    posted.is_valid()
    assert "diluent_ml" not in posted.errors
