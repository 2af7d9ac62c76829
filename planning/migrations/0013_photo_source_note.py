from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0012_photo_measurement"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="source_note",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
