"""Frontalis gets a midline site (REFERENCE.md: the BOTOX Cosmetic forehead pattern
includes a central frontalis site). It stays paired: the movement map grades it left
and right; points may lie left, right or at the midline."""

from django.db import migrations, models

MIDLINE_SITE_MUSCLES = ["FRONT"]


def add_sites(apps, schema_editor):
    Muscle = apps.get_model("planning", "Muscle")
    Muscle.objects.filter(code__in=MIDLINE_SITE_MUSCLES).update(midline_site=True)


def remove_sites(apps, schema_editor):
    Muscle = apps.get_model("planning", "Muscle")
    Muscle.objects.filter(code__in=MIDLINE_SITE_MUSCLES).update(midline_site=False)


class Migration(migrations.Migration):
    dependencies = [("planning", "0006_plan_diluent_to_0_001_ml")]

    operations = [
        migrations.AddField(
            model_name="muscle",
            name="midline_site",
            field=models.BooleanField(
                default=False,
                help_text="A paired muscle that is also injected at the midline (the central "
                "frontalis site of the BOTOX Cosmetic forehead pattern); the movement map "
                "still grades it left and right.",
            ),
        ),
        migrations.RunPython(add_sites, remove_sites),
    ]
