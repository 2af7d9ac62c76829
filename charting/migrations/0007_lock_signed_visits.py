"""Lock the baseline of every visit whose treatment is already signed (planning's
``Visit.locked_at``, which charting.signing.seal sets from now on); never a
review visit's (a touch-up's)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def lock(apps, schema_editor):
    Visit = apps.get_model("planning", "Visit")
    Treatment = apps.get_model("charting", "Treatment")
    signed = Treatment.objects.filter(visit=OuterRef("pk"), signed_at__isnull=False)
    Visit.objects.filter(locked_at__isnull=True, treatment__signed_at__isnull=False).exclude(
        kind="review"
    ).update(locked_at=Subquery(signed.values("signed_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0006_vial_diluent_to_0_001_ml"),
        ("planning", "0008_visit_lock"),
    ]

    operations = [migrations.RunPython(lock, migrations.RunPython.noop)]
