"""The data migrations give every muscle, expression, product and label dose of REFERENCE.md."""

from decimal import Decimal

import pytest

from planning.choices import DoseBasis, Source
from planning.models import DoseRange, Expression, Muscle, Product

pytestmark = pytest.mark.django_db

MUSCLES = [
    "FRONT",
    "FRONTL",
    "CORR",
    "PROC",
    "DSUP",
    "OOC",
    "NAS",
    "LLSAN",
    "ZYG",
    "RIS",
    "OOR",
    "DAO",
    "DLI",
    "MENT",
    "PLAT",
    "MASS",
    "DSN",
]
EXPRESSIONS = [
    "Rest",
    "Raise brows",
    "Frown",
    "Squint",
    "Smile",
    "Full smile (gums)",
    "Scrunch nose",
    "Pucker",
    "Grimace",
    "Clench",
    "Speak",
]


def test_every_muscle_in_display_order_with_its_sides():
    assert list(Muscle.objects.values_list("code", flat=True)) == MUSCLES
    assert Muscle.objects.get(code="CORR").sides == ["R", "L"]  # the patient's R first
    assert Muscle.objects.get(code="PROC").sides == ["C"]
    assert Muscle.objects.get(code="DSN").sides == ["C"]
    assert Muscle.objects.get(code="MENT").sides == ["C"]
    assert Muscle.objects.get(code="MASS").region == "jaw"


def test_every_expression_examines_its_muscles():
    assert list(Expression.objects.values_list("name", flat=True)) == EXPRESSIONS
    frown = Expression.objects.get(code="FROWN")
    assert set(frown.muscles.values_list("code", flat=True)) == {"CORR", "PROC", "DSUP"}
    assert list(Expression.objects.get(code="CLENCH").muscles.values_list("code", flat=True)) == [
        "MASS"
    ]
    examined = set(Muscle.objects.filter(expressions__isnull=False).values_list("code", flat=True))
    assert examined == set(MUSCLES), "every muscle is examined by some expression"


def test_six_products_with_label_facts():
    assert Product.objects.count() == 6
    botox = Product.objects.get(brand="BOTOX Cosmetic")
    assert botox.generic_name == "onabotulinumtoxinA"
    assert botox.vial_sizes == [50, 100]
    assert botox.labeled_units_per_0_1_ml == Decimal("4")
    assert Product.objects.get(brand="Daxxify").use_within_hours == 72
    assert Product.objects.get(brand="Daxxify").labeled_units_per_0_1_ml == Decimal("8")
    assert Product.objects.get(brand="Xeomin").vial_sizes == [50, 100, 200]
    dysport = Product.objects.get(brand="Dysport")
    assert dysport.vial_sizes == [300]
    assert dysport.contains_cows_milk_protein
    assert not Product.objects.filter(contains_cows_milk_protein=True).exclude(pk=dysport.pk)


@pytest.mark.parametrize(
    ("brand", "area_code", "units", "basis"),
    [
        ("BOTOX Cosmetic", "glabellar", 20, DoseBasis.TOTAL),
        ("BOTOX Cosmetic", "lateral-canthal", 12, DoseBasis.PER_SIDE),
        ("BOTOX Cosmetic", "forehead", 20, DoseBasis.TOTAL),
        ("BOTOX Cosmetic", "upper-face", 64, DoseBasis.TOTAL),
        ("BOTOX Cosmetic", "platysma-2-2", 36, DoseBasis.TOTAL),
        ("Dysport", "glabellar", 50, DoseBasis.TOTAL),
        ("Xeomin", "glabellar", 20, DoseBasis.TOTAL),
        ("Xeomin", "upper-face", 64, DoseBasis.TOTAL),
        ("Jeuveau", "glabellar", 20, DoseBasis.TOTAL),
        ("Daxxify", "glabellar", 40, DoseBasis.TOTAL),
        ("Letybo", "glabellar", 20, DoseBasis.TOTAL),
    ],
)
def test_label_doses(brand, area_code, units, basis):
    dose = DoseRange.objects.get(product__brand=brand, area_code=area_code, kind=Source.LABEL)
    assert dose.min_units == dose.max_units == dose.typical_units == Decimal(units)
    assert dose.basis == basis
    assert "prescribing information" in dose.source_note


def test_glabellar_label_pattern_names_its_muscles():
    dose = DoseRange.objects.get(product__code="botox-cosmetic", area_code="glabellar")
    assert dose.sites == 5 and dose.units_per_site == Decimal("4")
    assert set(dose.muscles.values_list("code", flat=True)) == {"CORR", "PROC"}
    assert str(dose) == "BOTOX Cosmetic · Glabellar lines · 20 U total [Label]"


def test_practice_ranges_say_they_are_practice():
    masseter = DoseRange.objects.get(area_code="masseter")
    assert masseter.kind == Source.PRACTICE
    assert (masseter.min_units, masseter.max_units) == (Decimal(20), Decimal(40))
    assert masseter.range_text == "20–40 U per side"
    assert "2.5–3 : 1" in masseter.source_note  # the Dysport note, never a conversion
    assert DoseRange.objects.practice().count() == 9
    assert DoseRange.objects.label().count() == 15


# The cumulative ceiling as each US label states it (REFERENCE.md, issue 16): units,
# the days it counts (90: "3-month interval", 1: "treatment session"), None where the
# label gives no figure; a figure of one product is never another's label.
LABEL_CEILINGS = {
    "BOTOX Cosmetic": (Decimal("400"), 90),
    "Xeomin": (Decimal("400"), 1),
    "Dysport": (None, None),
    "Jeuveau": (None, None),
    "Daxxify": (None, None),
    "Letybo": (None, None),
}


@pytest.mark.parametrize(("brand", "ceiling"), LABEL_CEILINGS.items())
def test_label_ceilings(brand, ceiling):
    product = Product.objects.get(brand=brand)
    assert (product.label_ceiling_units, product.label_ceiling_days) == ceiling
    assert bool(product.label_ceiling_text) == (ceiling[0] is not None)


def test_every_muscle_is_bounded_by_a_clinic_limit_for_every_product():
    from planning.models import DoseLimit

    for product in Product.objects.all():
        limited = set(
            DoseLimit.objects.filter(product=product).values_list("muscles__code", flat=True)
        )
        assert limited == set(MUSCLES), product.brand
