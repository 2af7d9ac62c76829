"""Frontalis in segments (issue 21, measured asymmetry): the medial part keeps the code
FRONT (and its midline site, the central site of the BOTOX Cosmetic forehead pattern),
renamed "Frontalis (medial)"; the lateral part, which lifts the brow tail, becomes its
own paired muscle FRONTL "Frontalis (lateral)".

FRONTL joins every expression that examines FRONT (raise brows, rest) and every dose
range, dose limit and effect duration that lists FRONT: the forehead's label totals,
the upper-face total, the clinic's forehead limit and the cumulative ceiling count
both parts. No range of its own: REFERENCE.md gives none for a frontalis segment, and
no label figure is invented.

With it, the movement map's direction of pull (``Observation.direction``), which the
lateral frontalis's brow tail needs (the rule: planning.pull).
"""

from django.db import migrations, models

CODE = "FRONTL"
NAME = "Frontalis (lateral)"
ACTION = "raises the brow tail → lateral forehead lines"
MEDIAL_NAME = "Frontalis (medial)"
OLD_NAME = "Frontalis"


def add_lateral(apps, schema_editor):
    Muscle = apps.get_model("planning", "Muscle")
    front = Muscle.objects.filter(code="FRONT").first()
    if front is None:  # no reference data (a database built without 0002)
        return
    front.name = MEDIAL_NAME
    front.save(update_fields=["name"])
    lateral, _ = Muscle.objects.update_or_create(
        code=CODE,
        defaults={
            "name": NAME,
            "region": front.region,
            "paired": True,
            "midline_site": False,
            "action": ACTION,
            # Right after the medial part, before the corrugator (orders step by 10).
            "order": front.order + 5,
        },
    )
    for model in ("Expression", "DoseRange", "DoseLimit", "EffectDuration"):
        for row in apps.get_model("planning", model).objects.filter(muscles=front):
            row.muscles.add(lateral)


def remove_lateral(apps, schema_editor):
    Muscle = apps.get_model("planning", "Muscle")
    Muscle.objects.filter(code=CODE).delete()
    Muscle.objects.filter(code="FRONT").update(name=OLD_NAME)


class Migration(migrations.Migration):
    dependencies = [("planning", "0012_photo_measurement")]

    operations = [
        migrations.RunPython(add_lateral, remove_lateral),
        migrations.AddField(
            model_name="observation",
            name="direction",
            field=models.CharField(
                blank=True,
                choices=[
                    ("tail_up", "Tail spikes up"),
                    ("flat", "Flat"),
                    ("corner_down", "Corner pulls down"),
                    ("neutral", "Neutral"),
                ],
                max_length=12,
                verbose_name="direction of pull",
            ),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("direction", ""),
                    ("direction__in", ["tail_up", "flat", "corner_down", "neutral"]),
                    _connector="OR",
                ),
                name="observation_direction_valid",
            ),
        ),
    ]
