from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="early_reason",
            field=models.TextField(
                blank=True,
                default="",
                db_default="",
                help_text="Why the review was opened before day 10 (charting.review_timing).",
            ),
        ),
    ]
