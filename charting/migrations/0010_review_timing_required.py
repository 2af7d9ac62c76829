from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0009_review_timing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="duereview",
            name="review_from",
            field=models.DateTimeField(),
        ),
    ]
