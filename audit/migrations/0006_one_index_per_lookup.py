"""Two indexes fewer written by every audit event (issue 22, seventeenth session).

The actor's and the patient's foreign keys each had Django's own index beside the
composite one that starts with the same column (``audit_actor_at_idx``,
``audit_patient_at_idx``): every lookup by actor or patient reads the composite one,
and every audited read of a page wrote four indexes instead of six."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_anchor_guards'),
        ('clinic', '0017_location_hours_defaults_callable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='patient',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='clinic.patient'),
        ),
    ]
