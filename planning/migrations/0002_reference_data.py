"""Reference data of REFERENCE.md: muscles, expressions, products, dose ranges.

Label rows come from each product's US prescribing information; practice rows
are usual off-label ranges in onabotulinumtoxinA units, editable by the clinic.
"""

from decimal import Decimal as D

from django.db import migrations

# code, name, region, paired, action
MUSCLES = [
    ("FRONT", "Frontalis", "forehead", True, "raises brows → forehead lines"),
    ("CORR", "Corrugator supercilii", "glabella", True, "brows down and in → '11s'"),
    ("PROC", "Procerus", "nasal root", False, "medial brow down → bridge line"),
    ("DSUP", "Depressor supercilii", "medial brow", True, "brow down"),
    ("OOC", "Orbicularis oculi (lateral)", "periorbital", True, "squint → crow's feet; lowers brow tail"),
    ("NAS", "Nasalis", "nose", True, "bunny lines"),
    ("LLSAN", "Levator labii superioris alaeque nasi", "upper lip", True, "lifts lip → gum show"),
    ("ZYG", "Zygomaticus major/minor", "cheek", True, "smile (rarely treated)"),
    ("RIS", "Risorius", "cheek", True, "mouth corner sideways"),
    ("OOR", "Orbicularis oris", "lips", True, "pucker → lip lines"),
    ("DAO", "Depressor anguli oris", "lower face", True, "mouth corner down"),
    ("DLI", "Depressor labii inferioris", "lower lip", True, "lower lip down"),
    ("MENT", "Mentalis", "chin", False, "pout, dimpled chin"),
    ("PLAT", "Platysma", "neck", True, "neck bands"),
    ("MASS", "Masseter", "jaw", True, "clench"),
    ("DSN", "Depressor septi nasi", "nose", False, "nasal tip down"),
]

# code, name, instruction, muscles examined
EXPRESSIONS = [
    ("REST", "Rest", "Relax the face, eyes open", ["FRONT", "CORR", "PROC", "OOC", "DAO", "MENT"]),
    ("BROWS", "Raise brows", "Lift your eyebrows as high as you can", ["FRONT"]),
    ("FROWN", "Frown", "Frown hard, as if angry", ["CORR", "PROC", "DSUP"]),
    ("SQUINT", "Squint", "Screw your eyes shut tight", ["OOC"]),
    ("SMILE", "Smile", "Smile naturally", ["OOC", "ZYG", "RIS", "DSN"]),
    ("FULLSMILE", "Full smile (gums)", "Biggest smile, show your gums", ["LLSAN", "ZYG", "OOC"]),
    ("SCRUNCH", "Scrunch nose", "Wrinkle your nose", ["NAS", "LLSAN"]),
    ("PUCKER", "Pucker", "Pucker and whistle, then pout", ["OOR", "MENT"]),
    ("GRIMACE", "Grimace", "Pull the mouth corners down, show lower teeth, say 'eee'", ["DAO", "DLI", "PLAT"]),
    ("CLENCH", "Clench", "Bite down hard", ["MASS"]),
    ("SPEAK", "Speak", "Count from one to ten", ["OOR", "DAO", "MENT", "RIS"]),
]

# code, brand, generic, vials, hours, U per 0.1 mL, dilution, storage, milk protein
PRODUCTS = [
    ("botox-cosmetic", "BOTOX Cosmetic", "onabotulinumtoxinA", [50, 100], 24, D("4"),
     "50 U + 1.25 mL or 100 U + 2.5 mL saline", "Use within 24 h at 2–8 °C; record date and time on the vial", False),
    ("dysport", "Dysport", "abobotulinumtoxinA", [300], 24, D("12"),
     "300 U + 2.5 mL → 10 U / 0.08 mL (or 300 U + 1.5 mL → 10 U / 0.05 mL)", "Use within 24 h (practice sources)", True),
    ("xeomin", "Xeomin", "incobotulinumtoxinA", [50, 100, 200], 24, D("4"),
     "1.25 mL per 50 U (glabellar dosing)", "Use within 24 h at 2–8 °C; unopened vials need no refrigeration", False),
    ("jeuveau", "Jeuveau", "prabotulinumtoxinA-xvfs", [100], 24, D("4"),
     "100 U + 2.5 mL saline", "Use within 24 h at 2–8 °C", False),
    ("daxxify", "Daxxify", "daxibotulinumtoxinA-lanm", [50, 100], 72, D("8"),
     "8 U / 0.1 mL", "Use within 72 h", False),
    ("letybo", "Letybo", "letibotulinumtoxinA-wlbg", [50, 100], 24, D("4"),
     "4 U / 0.1 mL", "Use within 24 h", False),
]

GLABELLA = ["CORR", "PROC"]
LABEL = "label"
PRACTICE = "practice"
# product, area_code, area, muscles, kind, basis, min, typical, max, sites, per site, pattern, risk, source
DOSES = [
    ("botox-cosmetic", "glabellar", "Glabellar lines", GLABELLA, LABEL, "total", 20, 20, 20, 5, 4,
     "5 sites × 4 U: 2 per corrugator, 1 procerus", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "lateral-canthal", "Lateral canthal lines", ["OOC"], LABEL, "per_side", 12, 12, 12, 3, 4,
     "3 sites × 4 U per side (24 U both sides)", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "forehead", "Forehead lines", ["FRONT"], LABEL, "total", 20, 20, 20, 5, 4,
     "5 frontalis sites × 4 U, always with glabellar 20 U (40 U together)", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "upper-face", "All three upper-face areas", ["FRONT", "CORR", "PROC", "OOC"], LABEL, "total", 64, 64, 64, None, None,
     "Forehead 20 + lateral canthal 24 + glabellar 20", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "platysma-1-1", "Platysma bands (1 + 1 bands)", ["PLAT"], LABEL, "total", 26, 26, 26, None, None,
     "By band count: 1 + 1 bands", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "platysma-1-2", "Platysma bands (1 + 2 bands)", ["PLAT"], LABEL, "total", 31, 31, 31, None, None,
     "By band count: 1 + 2 bands", "", "BOTOX Cosmetic US prescribing information"),
    ("botox-cosmetic", "platysma-2-2", "Platysma bands (2 + 2 bands)", ["PLAT"], LABEL, "total", 36, 36, 36, None, None,
     "By band count: 2 + 2 bands", "", "BOTOX Cosmetic US prescribing information"),
    ("xeomin", "glabellar", "Glabellar lines", GLABELLA, LABEL, "total", 20, 20, 20, 5, 4,
     "5 sites × 4 U", "", "Xeomin US prescribing information"),
    ("xeomin", "forehead", "Forehead lines", ["FRONT"], LABEL, "total", 20, 20, 20, None, None,
     "Part of the upper-face pattern", "", "Xeomin US prescribing information"),
    ("xeomin", "lateral-canthal", "Lateral canthal lines", ["OOC"], LABEL, "per_side", 12, 12, 12, None, None,
     "24 U both sides, part of the upper-face pattern", "", "Xeomin US prescribing information"),
    ("xeomin", "upper-face", "All three upper-face areas", ["FRONT", "CORR", "PROC", "OOC"], LABEL, "total", 64, 64, 64, None, None,
     "Forehead 20 + lateral canthal 24 + glabellar 20 (maximum 64 U)", "", "Xeomin US prescribing information"),
    ("dysport", "glabellar", "Glabellar lines (adults under 65)", GLABELLA, LABEL, "total", 50, 50, 50, 5, 10,
     "5 sites × 10 U", "", "Dysport US prescribing information"),
    ("jeuveau", "glabellar", "Glabellar lines", GLABELLA, LABEL, "total", 20, 20, 20, 5, 4,
     "5 sites × 4 U", "", "Jeuveau US prescribing information"),
    ("daxxify", "glabellar", "Glabellar lines", GLABELLA, LABEL, "total", 40, 40, 40, 5, 8,
     "5 sites × 8 U", "", "Daxxify US prescribing information"),
    ("letybo", "glabellar", "Glabellar lines", GLABELLA, LABEL, "total", 20, 20, 20, 5, 4,
     "5 sites × 4 U", "", "Letybo US prescribing information"),
]
PRACTICE_NOTE = (
    "Usual off-label range in onabotulinumtoxinA units; sources vary. "
    "For Dysport, practice quotes these about 2.5–3 : 1 (a note, not a conversion)."
)
PRACTICE_DOSES = [
    ("bunny-lines", "Bunny lines", ["NAS"], "per_side", 2, None, 4, "", "upper-lip droop if placed low"),
    ("gummy-smile", "Gummy smile", ["LLSAN"], "per_side", D("2"), None, D("2.5"), "", "long or flat upper lip"),
    ("mouth-corners", "Downturned mouth corners", ["DAO"], "per_side", 2, None, 4, "", "uneven lower lip"),
    ("dimpled-chin", "Dimpled chin", ["MENT"], "total", 4, None, 10, "", "lip weakness if placed high"),
    ("lip-flip", "Lip flip / perioral lines", ["OOR"], "total", 4, None, 10, "0.5–1 U per point", "weak lip seal, speech"),
    ("brow-lift", "Brow lift (brow tail)", ["OOC"], "per_side", 2, None, 5, "lateral orbicularis oculi", "eyelid ptosis"),
    ("nasal-tip", "Nasal tip", ["DSN"], "total", 2, None, 3, "midline", ""),
    ("masseter", "Masseter", ["MASS"], "per_side", 20, None, 40, "", "paradoxical bulging, smile asymmetry"),
    ("platysma", "Platysma (non-label pattern)", ["PLAT"], "total", 30, None, 60, "", "swallowing or voice trouble"),
]


def load(apps, schema_editor):
    Muscle = apps.get_model("planning", "Muscle")
    Expression = apps.get_model("planning", "Expression")
    Product = apps.get_model("planning", "Product")
    DoseRange = apps.get_model("planning", "DoseRange")

    muscles = {}
    for order, (code, name, region, paired, action) in enumerate(MUSCLES, start=1):
        muscles[code], _ = Muscle.objects.update_or_create(
            code=code,
            defaults={"name": name, "region": region, "paired": paired, "action": action,
                      "order": order * 10},
        )
    for order, (code, name, instruction, codes) in enumerate(EXPRESSIONS, start=1):
        expression, _ = Expression.objects.update_or_create(
            code=code, defaults={"name": name, "instruction": instruction, "order": order * 10}
        )
        expression.muscles.set([muscles[c] for c in codes])
    products = {}
    for code, brand, generic, vials, hours, conc, dilution, storage, milk in PRODUCTS:
        products[code], _ = Product.objects.update_or_create(
            code=code,
            defaults={"brand": brand, "generic_name": generic, "vial_sizes": vials,
                      "use_within_hours": hours, "labeled_units_per_0_1_ml": conc,
                      "labeled_dilution": dilution, "storage_note": storage,
                      "contains_cows_milk_protein": milk},
        )
    rows = list(DOSES) + [
        ("botox-cosmetic", code, area, codes, PRACTICE, basis, lo, typ, hi, None, None,
         pattern, risk, PRACTICE_NOTE)
        for code, area, codes, basis, lo, typ, hi, pattern, risk in PRACTICE_DOSES
    ]
    for (product, area_code, area, codes, kind, basis, lo, typ, hi, sites, per_site,
         pattern, risk, source) in rows:
        dose, _ = DoseRange.objects.update_or_create(
            product=products[product], area_code=area_code, kind=kind,
            defaults={"area": area, "basis": basis, "min_units": D(lo), "max_units": D(hi),
                      "typical_units": None if typ is None else D(typ), "sites": sites,
                      "units_per_site": None if per_site is None else D(per_site),
                      "pattern": pattern, "risk_note": risk, "source_note": source},
        )
        dose.muscles.set([muscles[c] for c in codes])


def unload(apps, schema_editor):
    for name in ("DoseRange", "Expression", "Product", "Muscle"):
        apps.get_model("planning", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
