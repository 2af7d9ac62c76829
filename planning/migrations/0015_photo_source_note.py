from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0014_plan_keep"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="source_note",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
