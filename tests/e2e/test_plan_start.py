"""Starting a plan in Chromium: the saline offered is the chosen product's labeled
dilution for the chosen vial, with that product's labeled dilution beside it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from planning.choices import VisitKind
from planning.models import Product
from tests.factories import PASSWORD, make_visit

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_saline_follows_the_product_and_vial(page, injector, patient):
    visit = make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)
    daxxify = Product.objects.get(code="daxxify")
    login(page, injector.email, PASSWORD)
    page.goto(f"/planning/visits/{visit.pk}/plan/")
    saline = page.get_by_label("Saline added (mL)")
    labels = page.get_by_test_id("labeled-dilutions")
    expect(saline).to_have_value("2.5")  # BOTOX Cosmetic 100 U + 2.5 mL
    expect(labels.locator("p:visible")).to_have_count(1)
    expect(labels.locator("p:visible")).to_contain_text("BOTOX Cosmetic: 50 U + 1.25 mL")
    page.get_by_label("Product").select_option(str(daxxify.pk))
    expect(saline).to_have_value("1.25")
    expect(labels.locator("p:visible")).to_contain_text("Daxxify: 8 U / 0.1 mL")
    page.get_by_label("Vial size (U)").select_option("50")
    expect(saline).to_have_value("0.625")
    page.get_by_role("button", name="Start plan").click()
    expect(page.get_by_test_id("labeled-dilution")).to_have_text("(label: 8 U / 0.1 mL)")
    plan = visit.plans.get()
    assert (plan.product, plan.vial_units, plan.diluent_ml) == (daxxify, 50, Decimal("0.625"))
