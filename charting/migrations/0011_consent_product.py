"""The consent names the product it was given for (issue 17, finding 9): stored as
named at signing, like the text shown; consents signed before stay without it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0010_review_timing_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="product_name",
            field=models.CharField(
                blank=True,
                help_text="The product consented to, as named at signing (brand and generic name).",
                max_length=160,
            ),
        ),
    ]
