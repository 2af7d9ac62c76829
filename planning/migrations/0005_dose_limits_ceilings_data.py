"""Cumulative ceilings (label, where a label states one) and per-area hard limits
(clinic policy defaults) for each product (REFERENCE.md; issue 16).

Label ceilings, from the US prescribing information:
- BOTOX Cosmetic: 400 U in a 3-month interval, all indications together.
- Xeomin: "The recommended maximum cumulative dose for any indication should not
  exceed 400 Units in a treatment session."
- Jeuveau, Letybo: no figure ("consider the cumulative dose"); Dysport, Daxxify:
  no figure verified. A figure of one product is never applied to another as label.

Clinic policy ceilings (editable in the admin): 400 U in any 90 days for Xeomin,
Jeuveau and Letybo (the conservative reading where their labels give no
3-month figure); none for Dysport and Daxxify, whose units differ by far: the
clinic sets its own.

Hard limits per area (clinic policy defaults, editable): above the usual ranges of
REFERENCE.md and the consensus literature, in onabotulinumtoxinA-type units for
BOTOX Cosmetic, Xeomin, Jeuveau and Letybo; for Daxxify and Dysport scaled by the
ratio of their glabellar label dose (40 U and 50 U against 20 U) — a default for
the clinic to review, never a conversion of units.
"""

from decimal import Decimal as D

from django.db import migrations

LIMIT_SOURCE = (
    "Clinic policy default, above the usual ranges (REFERENCE.md; Carruthers et al., "
    "Plast Reconstr Surg 2008;121(5 Suppl):5S-30S; Sundaram et al., Plast Reconstr Surg "
    "2016;137(3):518e-529e). Review before clinical use."
)

# area code, area, muscles, basis, most units per site, most units in the area
LIMITS = [
    ("glabellar", "Glabella", ["CORR", "PROC", "DSUP"], "total", 10, 60),
    ("forehead", "Forehead", ["FRONT"], "total", 8, 40),
    ("periorbital", "Crow's feet and brow tail", ["OOC"], "per_side", 8, 20),
    ("bunny-lines", "Bunny lines", ["NAS"], "per_side", 5, 8),
    ("gummy-smile", "Gummy smile", ["LLSAN"], "per_side", 4, 5),
    ("cheek", "Cheek (zygomaticus, risorius)", ["ZYG", "RIS"], "per_side", 4, 6),
    ("lips", "Lips", ["OOR"], "total", 2, 12),
    ("mouth-corners", "Mouth corners", ["DAO"], "per_side", 6, 8),
    ("lower-lip", "Lower lip", ["DLI"], "per_side", 4, 5),
    ("chin", "Chin", ["MENT"], "total", 10, 15),
    ("nasal-tip", "Nasal tip", ["DSN"], "total", 4, 5),
    ("platysma", "Neck (platysma)", ["PLAT"], "total", 6, 75),
    ("masseter", "Masseter", ["MASS"], "per_side", 15, 60),
]
SCALE = {
    "botox-cosmetic": D("1"),
    "xeomin": D("1"),
    "jeuveau": D("1"),
    "letybo": D("1"),
    "daxxify": D("2"),
    "dysport": D("2.5"),
}
LABEL_CEILINGS = {
    "botox-cosmetic": (D("400"), 90, "400 U in a 3-month interval, all indications together"),
    "xeomin": (D("400"), 1, "400 U in a treatment session, for any indication"),
}
POLICY_CEILINGS = {"xeomin": D("400"), "jeuveau": D("400"), "letybo": D("400")}


def load(apps, schema_editor):
    Product = apps.get_model("planning", "Product")
    Muscle = apps.get_model("planning", "Muscle")
    DoseLimit = apps.get_model("planning", "DoseLimit")
    muscles = {m.code: m for m in Muscle.objects.all()}
    for product in Product.objects.all():
        label = LABEL_CEILINGS.get(product.code)
        if label:
            units, days, text = label
            product.label_ceiling_units, product.label_ceiling_days = units, days
            product.label_ceiling_text = text
        product.policy_ceiling_units = POLICY_CEILINGS.get(product.code)
        product.save()
        scale = SCALE.get(product.code)
        if scale is None:
            continue
        note = LIMIT_SOURCE
        if scale != 1:
            note += f" Scaled ×{scale} by the ratio of the glabellar label doses, not a conversion."
        for code, area, codes, basis, per_site, most in LIMITS:
            limit, _ = DoseLimit.objects.update_or_create(
                product=product,
                area_code=code,
                defaults={
                    "area": area,
                    "basis": basis,
                    "max_per_site": D(per_site) * scale,
                    "max_units": D(most) * scale,
                    "source_note": note,
                },
            )
            limit.muscles.set([muscles[c] for c in codes if c in muscles])


def unload(apps, schema_editor):
    apps.get_model("planning", "DoseLimit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("planning", "0004_dose_limits_ceilings_outside_doses")]
    operations = [migrations.RunPython(load, unload)]
