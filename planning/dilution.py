"""The label's dilution of a product: the saline that brings a vial to the
product's labeled concentration (REFERENCE.md; the mL are [derived] from the
label's units per 0.1 mL, so no table of dilutions is kept besides the products)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ML_STEP = Decimal("0.001")  # the plan keeps its saline to 0.001 mL (Daxxify 50 U: 0.625 mL)


def labeled_diluent_ml(*, product, vial_units: int) -> Decimal:
    """Saline (mL) for a ``vial_units`` vial of ``product`` at its labeled concentration:
    vial units ÷ (labeled units per 0.1 mL × 10). BOTOX Cosmetic, Jeuveau, Letybo and
    Xeomin 100 U → 2.5 mL; Dysport 300 U → 2.5 mL; Daxxify 100 U → 1.25 mL, 50 U → 0.625 mL."""
    per_ml = Decimal(product.labeled_units_per_0_1_ml) * 10
    if vial_units <= 0 or per_ml <= 0:
        raise ValueError("Vial units and the labeled concentration must be positive.")
    return (Decimal(vial_units) / per_ml).quantize(ML_STEP, ROUND_HALF_UP)


def labeled_diluents(product) -> dict[int, Decimal]:
    """The labeled saline for each of the product's vial sizes, e.g. {50: 0.625, 100: 1.25}."""
    return {
        size: labeled_diluent_ml(product=product, vial_units=size) for size in product.vial_sizes
    }
