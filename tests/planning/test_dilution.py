"""The saline a plan starts with: each product's labeled dilution, derived from its
labeled units per 0.1 mL and the vial (planning/dilution.py), and shown at the plan."""

import html
from decimal import Decimal

import pytest

from planning.choices import VisitKind
from planning.dilution import labeled_diluent_ml, labeled_diluents
from planning.dosing import volume_ml
from planning.models import Product
from tests.factories import make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(patient, injector):
    return make_visit(patient=patient, injector=injector, kind=VisitKind.TREATMENT, screened=True)


def product(code):
    return Product.objects.get(code=code)


@pytest.mark.parametrize(
    ("code", "vial", "ml"),
    [
        ("daxxify", 100, "1.25"),  # 8 U / 0.1 mL [label]
        ("daxxify", 50, "0.625"),
        ("botox-cosmetic", 100, "2.5"),  # 100 U + 2.5 mL [label]
        ("botox-cosmetic", 50, "1.25"),
        ("jeuveau", 100, "2.5"),
        ("letybo", 100, "2.5"),  # 4 U / 0.1 mL [label]
        ("xeomin", 100, "2.5"),  # 4 U / 0.1 mL [derived]
        ("dysport", 300, "2.5"),  # 300 U + 2.5 mL [label]
    ],
)
def test_the_labeled_saline_follows_from_the_labeled_concentration(code, vial, ml):
    p = product(code)
    assert labeled_diluent_ml(product=p, vial_units=vial) == Decimal(ml)
    # At that saline, a labeled dose of 0.1 mL holds the labeled units per 0.1 mL.
    assert volume_ml(p.labeled_units_per_0_1_ml, vial, Decimal(ml)) == Decimal("0.100")


def test_every_vial_size_of_a_product_has_its_labeled_saline():
    assert labeled_diluents(product("daxxify")) == {50: Decimal("0.625"), 100: Decimal("1.25")}
    assert labeled_diluents(product("dysport")) == {300: Decimal("2.5")}


def test_the_start_page_offers_the_label_and_shows_each_labeled_dilution(injector_client, visit):
    response = injector_client.get(f"/planning/visits/{visit.pk}/plan/")
    form = response.context["form"]
    first = form.fields["product"].queryset.first()  # the product selected at first
    assert first.code == "botox-cosmetic" and form["vial_units"].value() == 100
    assert form["diluent_ml"].value() == "2.5"
    page = " ".join(html.unescape(response.content.decode()).split())
    assert 'name="diluent_ml" value="2.5"' in page
    daxxify = (
        f'data-labeled-dilution="{product("daxxify").pk}"><span class="badge text-bg-light '
        'border">Label</span> Daxxify: 8 U / 0.1 mL <span class="text-secondary">'
        "(50 U + 0.625 mL, 100 U + 1.25 mL)</span>"
    )
    assert daxxify in page
    assert "Dysport: 300 U + 2.5 mL → 10 U / 0.08 mL" in page
    assert 'id="labeled-diluents"' in page  # the page's script offers them as the choice changes
    assert form.labeled_ml[str(product("daxxify").pk)] == {"50": "0.625", "100": "1.25"}


def test_saline_left_empty_is_the_products_labeled_dilution(injector_client, visit):
    daxxify = product("daxxify")
    response = injector_client.post(
        f"/planning/visits/{visit.pk}/plan/",
        {"product": daxxify.pk, "vial_units": 50, "diluent_ml": "", "start_from": "blank"},
    )
    plan = visit.plans.get()
    assert response.status_code == 302
    assert (plan.vial_units, plan.diluent_ml) == (50, Decimal("0.625"))
    assert volume_ml(Decimal("8"), plan.vial_units, plan.diluent_ml) == Decimal("0.100")


def test_typed_saline_is_kept_to_a_thousandth_of_a_ml(injector_client, visit):
    daxxify = product("daxxify")
    injector_client.post(
        f"/planning/visits/{visit.pk}/plan/",
        {"product": daxxify.pk, "vial_units": 50, "diluent_ml": "0.625", "start_from": "blank"},
    )
    plan = visit.plans.get()
    assert plan.diluent_ml == Decimal("0.625")
    page = " ".join(injector_client.get(plan.get_absolute_url()).content.decode().split())
    assert "50 U vial + 0.625 mL" in page
    assert "(label: 8 U / 0.1 mL)" in page
    assert "50 U + 0.625 mL saline = 8 U per 0.1 mL" in page
